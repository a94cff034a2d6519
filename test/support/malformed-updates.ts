/**
 * Malformed updates for fuzz tests, generated deterministically from a seed and from valid
 * update templates: wrong types in every id field, nulls anywhere, no update_id, `{}`, huge
 * texts, unknown update kinds, deep nesting, wrong types in other fields the router reads.
 * Each says whether it is certainly poison (a field Switchboard reads has the wrong type, or it
 * has no usable id), so a test can check those were set aside without asking the decoder.
 */

/** A small seeded PRNG (mulberry32): the same seed gives the same updates on every run and runtime. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A valid update body (no update_id: the emulator numbers it) and its fields by role. */
export interface Template {
  readonly name: string;
  readonly body: Record<string, unknown>;
  /** Id fields Switchboard reads (a wrong type there is poison). */
  readonly ids: readonly string[];
  /** Other fields Switchboard reads, with their type (a wrong type there is poison too). */
  readonly read: readonly (readonly [string, "string" | "boolean" | "array"])[];
  /** Where a text goes. */
  readonly text?: string;
}

/** One malformed update: the body to inject, whether the emulator must send it without an id, and what was done. */
export interface Malformed {
  readonly body: Record<string, unknown>;
  readonly exact: boolean;
  readonly mutation: string;
  /**
   * True when it is certainly poison: a field Switchboard reads has the wrong type, or there is
   * no usable id. False means it may decode (an unknown kind, a huge text, a null where nothing
   * is read) or may not (a null inside a list that is read).
   */
  readonly poison: boolean;
}

// Wrong values by the type they replace. No valid-typed wrong values (0, -1, "x" for a string):
// those are other bugs (a chat that does not exist), not malformed updates.
const notAnId = [true, false, "12", "", null, {}, [], 1.5, -0.5, 2 ** 60, { id: 1 }, [1], "true"];
const notAString = [true, 5, null, {}, [], ["x"], 1.5];
const notABoolean = ["true", 1, 0, null, {}, []];
const notAnArray = ["x", 5, {}, true, null];

function set(o: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let at = o;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  at[keys[keys.length - 1]] = value;
}

/** Every path of an object (objects and arrays descended), shortest first. */
function paths(o: unknown, prefix = ""): string[] {
  if (o === null || typeof o !== "object") return [];
  return Object.entries(o).flatMap(([k, v]) => {
    const p = prefix ? `${prefix}.${k}` : k;
    return [p, ...paths(v, p)];
  });
}

const nest = (depth: number, array: boolean): unknown => {
  let v: unknown = "bottom";
  for (let i = 0; i < depth; i++) v = array ? [v] : { deeper: v };
  return v;
};

/** Generates `count` malformed updates from `templates` with the PRNG `random`. */
export function malformedUpdates(templates: readonly Template[], count: number, random: () => number): Malformed[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
  const out: Malformed[] = [];
  for (let n = 0; n < count; n++) {
    const t = pick(templates);
    const body = structuredClone(t.body) as Record<string, unknown>;
    const kind = Object.keys(body)[0];
    const roll = random();
    if (roll < 0.25) {
      // A wrong type in an id field Switchboard reads, or in update_id.
      const path = pick([...t.ids, "update_id"]);
      const value = pick(notAnId);
      set(body, path, value);
      out.push({ body, exact: false, mutation: `${t.name}: ${path} = ${JSON.stringify(value)}`, poison: true });
    } else if (roll < 0.35) {
      // A wrong type in another field the router reads.
      const [path, type] = pick(t.read);
      const value = pick(type === "string" ? notAString : type === "boolean" ? notABoolean : notAnArray);
      set(body, path, value);
      out.push({ body, exact: false, mutation: `${t.name}: ${path} = ${JSON.stringify(value)}`, poison: true });
    } else if (roll < 0.5) {
      // null anywhere: poison where Switchboard reads, harmless elsewhere.
      const path = pick(paths(body));
      set(body, path, null);
      const read = [...t.ids, ...t.read.map(([p]) => p)].some((p) => p === path || p.startsWith(`${path}.`)) || path === kind;
      out.push({ body, exact: false, mutation: `${t.name}: ${path} = null`, poison: read });
    } else if (roll < 0.6) {
      const which = pick(["null", "missing", "empty"] as const);
      if (which === "null") out.push({ body: { update_id: null, ...body }, exact: false, mutation: `${t.name}: update_id = null`, poison: true });
      else if (which === "missing") out.push({ body, exact: true, mutation: `${t.name}: no update_id`, poison: true });
      else out.push({ body: {}, exact: true, mutation: "{}", poison: true });
    } else if (roll < 0.72) {
      // A huge text: Telegram caps texts at 4096 characters; a broken server may not.
      const size = pick([10_000, 100_000, 300_000, 1_000_000]);
      const path = t.text ?? `${kind}.text`;
      set(body, path, `${"x".repeat(size - 6)}[end]`);
      out.push({ body, exact: false, mutation: `${t.name}: ${path} of ${size} characters`, poison: false });
    } else if (roll < 0.84) {
      // An update kind nobody knows yet.
      const renamed = { [`fuzz_kind_${n}`]: body[kind] };
      out.push({ body: renamed, exact: false, mutation: `${t.name} as fuzz_kind_${n}`, poison: false });
    } else {
      // Deep nesting, at a field Switchboard reads (poison) or one it does not.
      const depth = pick([10, 100, 500, 1000]);
      const array = random() < 0.5;
      const read = random() < 0.5;
      const path = read ? pick([...t.ids, ...t.read.map(([p]) => p)]) : `${kind}.fuzz_${n}`;
      set(body, path, nest(depth, array));
      out.push({ body, exact: false, mutation: `${t.name}: ${path} nested ${depth} deep`, poison: read });
    }
  }
  return out;
}
