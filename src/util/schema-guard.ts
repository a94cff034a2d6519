/**
 * A type guard compiled from an `effect/Schema`'s AST into plain nested checks: the same answer
 * as `Schema.is`, without its cost. `Schema.is` runs Effect's parser, which builds the decoded
 * output (a new object per struct, an array per array, an `Either` per value) even when it only
 * answers yes or no: ~10 KB of garbage per Telegram update, on the path of every message. The
 * compiled guard allocates nothing for a value that passes.
 *
 * Only the AST nodes that plain data schemas use are compiled (structs without index
 * signatures, arrays, unions, literals, refinements such as `Int` or `positive`, the keywords);
 * anything else throws when the guard is built, so a schema that grows a node this does not know
 * fails its tests at once instead of being checked differently. Refinements call the schema's
 * own filter. `test/unit/schema-guard.test.ts` checks the guard against `Schema.is` on arbitrary
 * values.
 */
import * as AST from "effect/SchemaAST";
import * as Option from "effect/Option";
import type * as Schema from "effect/Schema";

type Guard = (u: unknown) => boolean;

const hasOwn = Object.prototype.hasOwnProperty;
const filterOptions: AST.ParseOptions = { exact: true };

/** `Schema.is(schema)` (exact: a required key must be present), compiled once. */
export function compileGuard<A, I, R>(schema: Schema.Schema<A, I, R>): (u: unknown) => u is A {
  return compile(AST.typeAST(schema.ast)) as (u: unknown) => u is A;
}

function compile(ast: AST.AST): Guard {
  switch (ast._tag) {
    case "StringKeyword":
      return (u) => typeof u === "string";
    case "NumberKeyword":
      return (u) => typeof u === "number";
    case "BooleanKeyword":
      return (u) => typeof u === "boolean";
    case "UndefinedKeyword":
      return (u) => u === undefined;
    case "NeverKeyword":
      return () => false;
    case "UnknownKeyword":
    case "AnyKeyword":
      return () => true;
    case "Literal": {
      const literal = ast.literal;
      return (u) => u === literal;
    }
    case "Refinement": {
      const from = compile(ast.from);
      const refinement = ast;
      return (u) => from(u) && Option.isNone(refinement.filter(u, filterOptions, refinement));
    }
    case "Union": {
      const members = ast.types.map(compile);
      return (u) => {
        for (const member of members) if (member(u)) return true;
        return false;
      };
    }
    case "TupleType": {
      if (ast.elements.length > 0 || ast.rest.length !== 1) throw new Error(`compileGuard: only arrays (no tuples) are supported, got ${String(ast)}`);
      const item = compile(ast.rest[0].type);
      return (u) => {
        if (!Array.isArray(u)) return false;
        for (let i = 0; i < u.length; i++) if (!item(u[i])) return false;
        return true;
      };
    }
    case "TypeLiteral": {
      if (ast.indexSignatures.length > 0) throw new Error(`compileGuard: index signatures are not supported, got ${String(ast)}`);
      // `{}` accepts anything but null and undefined, as Effect's parser does.
      if (ast.propertySignatures.length === 0) return (u) => u !== null && u !== undefined;
      const keys = ast.propertySignatures.map((ps) => ps.name);
      const optional = ast.propertySignatures.map((ps) => ps.isOptional);
      const checks = ast.propertySignatures.map((ps) => compile(ps.type));
      return (u) => {
        if (typeof u !== "object" || u === null || Array.isArray(u)) return false;
        const record = u as Record<PropertyKey, unknown>;
        for (let i = 0; i < keys.length; i++) {
          if (!hasOwn.call(record, keys[i])) {
            if (optional[i]) continue;
            return false;
          }
          if (!checks[i](record[keys[i]])) return false;
        }
        return true;
      };
    }
    default:
      throw new Error(`compileGuard: ${ast._tag} is not supported (${String(ast)})`);
  }
}
