/**
 * A small JSON Schema (draft-07) validator for the keywords `switchboard schema` emits, so tests
 * can check files against the printed schema the way an editor does, without a dependency. An
 * unknown keyword throws: a schema using more than this understands must not pass silently.
 */

/** A JSON Schema node. */
type Node = boolean | { readonly [keyword: string]: unknown };

/** Keywords that only document. */
const ANNOTATIONS = new Set(["$schema", "$id", "$defs", "$comment", "title", "description", "default", "examples", "format"]);

const typeOf = (v: unknown): string =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" ? (Number.isInteger(v) ? "integer" : "number") : typeof v;

const matchesType = (v: unknown, type: string) => typeOf(v) === type || (type === "number" && typeOf(v) === "integer");

const equal = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

const at = (path: string, key: string | number) => (typeof key === "number" ? `${path}[${key}]` : path === "" ? key : `${path}.${key}`);

/** Problems of `value` against `schema` (`root` resolves `#/$defs/…`); empty when it validates. */
export function validate(schema: Node, value: unknown, root: Node = schema, path = ""): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${path}: not allowed`];
  const out: string[] = [];
  const fail = (message: string) => out.push(`${path || "(root)"}: ${message}`);
  const s = schema as Record<string, any>;
  for (const [keyword, arg] of Object.entries(s)) {
    if (ANNOTATIONS.has(keyword)) continue;
    switch (keyword) {
      case "$ref": {
        const name = /^#\/\$defs\/(.+)$/.exec(arg as string)?.[1];
        const target = name === undefined ? undefined : (root as Record<string, any>).$defs?.[name];
        if (target === undefined) throw new Error(`unresolvable $ref ${arg}`);
        out.push(...validate(target, value, root, path));
        break;
      }
      case "type":
        if (![arg].flat().some((t: string) => matchesType(value, t))) fail(`expected type ${arg}, got ${typeOf(value)}`);
        break;
      case "enum":
        if (!(arg as unknown[]).some((e) => equal(e, value))) fail(`expected one of ${JSON.stringify(arg)}`);
        break;
      case "const":
        if (!equal(arg, value)) fail(`expected ${JSON.stringify(arg)}`);
        break;
      case "pattern":
        if (typeof value === "string" && !new RegExp(arg as string, "u").test(value)) fail(`does not match ${arg}`);
        break;
      case "minLength":
        if (typeof value === "string" && [...value].length < (arg as number)) fail(`shorter than ${arg}`);
        break;
      case "minimum":
        if (typeof value === "number" && value < (arg as number)) fail(`below ${arg}`);
        break;
      case "maximum":
        if (typeof value === "number" && value > (arg as number)) fail(`above ${arg}`);
        break;
      case "exclusiveMinimum":
        if (typeof value === "number" && value <= (arg as number)) fail(`not above ${arg}`);
        break;
      case "exclusiveMaximum":
        if (typeof value === "number" && value >= (arg as number)) fail(`not below ${arg}`);
        break;
      case "minItems":
        if (Array.isArray(value) && value.length < (arg as number)) fail(`fewer than ${arg} items`);
        break;
      case "maxItems":
        if (Array.isArray(value) && value.length > (arg as number)) fail(`more than ${arg} items`);
        break;
      case "items":
        if (Array.isArray(value)) value.forEach((item, i) => out.push(...validate(arg as Node, item, root, at(path, i))));
        break;
      case "required":
        if (typeOf(value) === "object") for (const key of arg as string[]) if (!(key in (value as object))) fail(`missing ${key}`);
        break;
      case "propertyNames":
        if (typeOf(value) === "object") for (const key of Object.keys(value as object)) out.push(...validate(arg as Node, key, root, at(path, key)));
        break;
      case "properties":
      case "patternProperties":
      case "additionalProperties":
        // The three work together (additionalProperties depends on the other two): applied once.
        if (typeOf(value) === "object" && keyword === firstObjectKeyword(s)) out.push(...validateObject(s, value as Record<string, unknown>, root, path));
        break;
      case "anyOf":
        if (!(arg as Node[]).some((alt) => validate(alt, value, root, path).length === 0)) fail(`matches none of ${(arg as Node[]).length} alternatives`);
        break;
      case "oneOf":
        if ((arg as Node[]).filter((alt) => validate(alt, value, root, path).length === 0).length !== 1) fail(`does not match exactly one alternative`);
        break;
      case "allOf":
        for (const part of arg as Node[]) out.push(...validate(part, value, root, path));
        break;
      case "if": {
        const branch = validate(arg as Node, value, root, path).length === 0 ? s.then : s.else;
        if (branch !== undefined) out.push(...validate(branch, value, root, path));
        break;
      }
      case "then":
      case "else":
        break;
      default:
        throw new Error(`json-schema test validator: unsupported keyword "${keyword}" at ${path || "(root)"}`);
    }
  }
  return out;
}

const OBJECT_KEYWORDS = ["properties", "patternProperties", "additionalProperties"];
const firstObjectKeyword = (s: Record<string, unknown>) => Object.keys(s).find((k) => OBJECT_KEYWORDS.includes(k));

/** `properties`, `patternProperties` and `additionalProperties` together, as draft-07 defines them. */
function validateObject(s: Record<string, any>, value: Record<string, unknown>, root: Node, path: string): string[] {
  const out: string[] = [];
  const properties = (s.properties ?? {}) as Record<string, Node>;
  const patterns = Object.entries((s.patternProperties ?? {}) as Record<string, Node>).map(([p, n]) => [new RegExp(p, "u"), n] as const);
  for (const [key, child] of Object.entries(value)) {
    let matched = false;
    if (key in properties) {
      matched = true;
      out.push(...validate(properties[key], child, root, at(path, key)));
    }
    for (const [pattern, node] of patterns) {
      if (!pattern.test(key)) continue;
      matched = true;
      out.push(...validate(node, child, root, at(path, key)));
    }
    if (!matched && s.additionalProperties !== undefined) out.push(...validate(s.additionalProperties, child, root, at(path, key)));
  }
  return out;
}
