/**
 * Reading Hotline's parameters (`bots[].params`). What each parameter is — its type, spellings,
 * default and doc text — is declared by the built-in plugin that implements it
 * (`plugins/<name>/params.ts`, gathered in `plugins/params.ts`); this file only matches the keys
 * and decodes the mapping with the plugins' schema.
 *
 * Keys are matched case-insensitively because Hotline users paste them as `WELCOME` or
 * `Private_Keywords`; problems are reported under the canonical lowercase name.
 */
import * as Schema from "effect/Schema";
import { builtinParams } from "../../plugins/params.ts";
import { decodeInto } from "./decode.ts";
import { silenceUnresolved } from "./interpolate.ts";
import { childPath, Problems } from "./problems.ts";
import { readMapping } from "./read.ts";
import { suggest } from "./suggest.ts";
import type { Params } from "./types.ts";

/** Every parameter as one struct: decoding it checks all of them and fills the defaults. */
export const ParamsSchema: Schema.Schema<Params, unknown> = Schema.Struct(builtinParams) as Schema.Schema<Params, unknown>;

/** The parameter names, lowercase, as written in YAML. */
export const PARAM_NAMES = Object.keys(builtinParams) as Array<keyof Params>;

/** Every parameter at its default. */
export function defaultParams(): Params {
  return Schema.decodeUnknownSync(ParamsSchema)({});
}

/** Reads the `params` mapping (absent = all defaults); `undefined` when something was reported. */
export function readParams(value: unknown, path: string, problems: Problems): Params | undefined {
  const mapping = value === null || value === undefined ? {} : readMapping(value, path, problems);
  if (mapping === undefined) return undefined;
  const given: Record<string, unknown> = {};
  const spelledAs = new Map<string, string>();
  let keysOk = true;
  for (const [key, raw] of Object.entries(mapping)) {
    const name = PARAM_NAMES.find((n) => n === key.toLowerCase());
    if (name === undefined) {
      silenceUnresolved(raw);
      const guess = suggest(key, PARAM_NAMES);
      problems.add(childPath(path, key), guess === undefined
        ? `unknown parameter (expected one of: ${PARAM_NAMES.join(", ")})`
        : `unknown parameter (did you mean "${guess}"?)`);
      keysOk = false;
      continue;
    }
    const earlier = spelledAs.get(name);
    if (earlier !== undefined) {
      silenceUnresolved(raw);
      problems.add(childPath(path, key), `duplicate parameter (also given as "${earlier}")`);
      keysOk = false;
      continue;
    }
    spelledAs.set(name, key);
    given[name] = raw;
  }
  const params = decodeInto(ParamsSchema, given, path, problems);
  return keysOk ? params : undefined;
}
