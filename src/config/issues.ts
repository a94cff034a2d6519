/**
 * From an `effect/Schema` ParseIssue tree to Switchboard's problem lines: one `path: message` per
 * problem, the path spelled as in the file (`bots[0].params.webhooks["https://x"][1]`), the
 * message in the house style ("expected …, got …"). Schema's own formatters give one line per
 * union member and type names like `{ readonly a: string }`; a deployer needs one line that says
 * what to write instead.
 *
 * The walk follows Schema's rules for `message` annotations (an annotated schema speaks for
 * everything below it, `override: true` even for its inner parts), and adds two of ours: a value
 * that is an unset `${VAR}` is reported as such (once), and a union whose members all failed on
 * the value's shape is one "expected A or B, got …" line.
 */
import * as Effect from "effect/Effect";
import * as Option from "effect/Option";
import * as ParseResult from "effect/ParseResult";
import * as AST from "effect/SchemaAST";
import { Unresolved } from "./interpolate.ts";
import { childPath, type Problems } from "./problems.ts";
import { describeValue } from "./spellings.ts";

type Issue = ParseResult.ParseIssue;

/** Runs a message annotation, which may answer with a string, an Effect, or `{ message, override }`. */
function annotationMessage(issue: Issue): { message: string; override: boolean } | undefined {
  if (!("ast" in issue)) return undefined;
  const annotation = AST.getMessageAnnotation(issue.ast);
  if (Option.isNone(annotation)) return undefined;
  const answer = annotation.value(issue);
  const text = (m: string | Effect.Effect<string>) => (typeof m === "string" ? m : Effect.runSync(m));
  if (typeof answer === "string" || Effect.isEffect(answer)) return { message: text(answer), override: false };
  return { message: text(answer.message), override: answer.override };
}

/** The message a schema's annotation gives for `issue`, under Schema's precedence rules. */
function messageOf(issue: Issue): string | undefined {
  const current = annotationMessage(issue);
  if (current === undefined) return undefined;
  const inner = !current.override && (
    issue._tag === "Composite" ||
    (issue._tag === "Refinement" && issue.kind === "From") ||
    (issue._tag === "Transformation" && issue.kind !== "Transformation")
  );
  if (!inner) return current.message;
  return issue._tag === "Transformation" || issue._tag === "Refinement" ? messageOf(issue.issue) : undefined;
}

const joined = (parts: string[]) => (parts.length <= 1 ? parts.join("") : `${parts.slice(0, -1).join(", ")} or ${parts[parts.length - 1]}`);

/** What a schema accepts, in words: its description, or a plain rendering of its shape. */
export function expectedOf(ast: AST.AST): string {
  switch (ast._tag) {
    case "BooleanKeyword":
      return "true or false";
    case "Literal":
      return JSON.stringify(ast.literal);
    case "Union":
      return Option.getOrUndefined(AST.getDescriptionAnnotation(ast)) ?? joined(ast.types.filter((t) => !AST.isUndefinedKeyword(t)).map(expectedOf));
    case "TypeLiteral":
      return Option.getOrUndefined(AST.getDescriptionAnnotation(ast)) ?? "a mapping";
    case "TupleType":
      return Option.getOrUndefined(AST.getDescriptionAnnotation(ast)) ?? "a list";
    case "Transformation":
      return Option.getOrUndefined(AST.getDescriptionAnnotation(ast)) ?? expectedOf(ast.from);
    default:
      return Option.getOrUndefined(AST.getDescriptionAnnotation(ast)) ??
        Option.getOrUndefined(AST.getTitleAnnotation(ast)) ??
        Option.getOrUndefined(AST.getIdentifierAnnotation(ast)) ??
        String(ast);
  }
}

/** A union member that failed on the value's shape itself, not somewhere inside it. */
const isShapeMismatch = (issue: Issue): boolean =>
  issue._tag === "Type" || (issue._tag === "Refinement" && issue.kind === "From" && isShapeMismatch(issue.issue)) ||
  (issue._tag === "Transformation" && issue.kind === "Encoded" && isShapeMismatch(issue.issue));

/** The path of a pointer below `path`. */
function below(path: string, at: ParseResult.Path): string {
  const keys = (Array.isArray(at) ? at : [at]) as readonly PropertyKey[];
  let out = path;
  for (const key of keys) out = childPath(out, typeof key === "symbol" ? String(key) : key);
  return out;
}

/** Reports every problem in `issue` at its path below `path`. */
export function reportIssue(issue: Issue, path: string, problems: Problems): void {
  // An unset `${VAR}` says why the value is missing; the schema's own complaint would mislead.
  if (issue._tag !== "Pointer" && issue.actual instanceof Unresolved) {
    if (!issue.actual.reported) problems.add(path, issue.actual.reason);
    issue.actual.reported = true;
    return;
  }
  switch (issue._tag) {
    case "Pointer":
      return reportIssue(issue.issue, below(path, issue.path), problems);
    case "Type":
      return problems.add(path, messageOf(issue) ?? issue.message ?? `expected ${expectedOf(issue.ast)}, got ${describeValue(issue.actual)}`);
    case "Missing": {
      const annotation = AST.getMissingMessageAnnotation(issue.ast);
      const text = Option.isSome(annotation) ? annotation.value() : undefined;
      return problems.add(path, text === undefined ? issue.message ?? "required" : typeof text === "string" ? text : Effect.runSync(text));
    }
    case "Unexpected":
      return problems.add(path, issue.message ?? "unknown key");
    case "Forbidden":
      return problems.add(path, issue.message ?? "cannot be checked while reading the configuration");
    case "Refinement":
    case "Transformation": {
      const message = messageOf(issue);
      return message === undefined ? reportIssue(issue.issue, path, problems) : problems.add(path, message);
    }
    case "Composite": {
      const message = messageOf(issue);
      if (message !== undefined) return problems.add(path, message);
      const issues = Array.isArray(issue.issues) ? issue.issues : [issue.issues as Issue];
      if (AST.isUnion(issue.ast)) {
        // YAML never produces `undefined`: an optional key's `| undefined` member is no alternative.
        const members = issues.filter((i) => !(i._tag === "Type" && AST.isUndefinedKeyword(i.ast)));
        if (members.length === 1) return reportIssue(members[0], path, problems);
        // Members that got past the value's shape know better what is wrong; if none or several
        // did, the value fits no member and one line says which shapes would do.
        const deep = members.filter((i) => !isShapeMismatch(i));
        if (deep.length === 1) return reportIssue(deep[0], path, problems);
        return problems.add(path, `expected ${expectedOf(issue.ast)}, got ${describeValue(issue.actual)}`);
      }
      for (const inner of issues) reportIssue(inner, path, problems);
      return;
    }
  }
}
