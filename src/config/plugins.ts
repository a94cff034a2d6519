/**
 * A bot's `plugins` list. Relative paths are resolved against the config file's folder, so the
 * same file works whatever directory Switchboard is started from.
 */
import * as nodePath from "node:path";
import { PLUGIN_ENTRY_KEYS } from "./document.ts";
import { childPath, type Problems } from "./problems.ts";
import { asList, checkKeys, describe, isMapping, isUnresolved, readMapping } from "./read.ts";
import type { PluginRef } from "./types.ts";

/** `./x`, `../x`, `/x` (and `C:\x` on Windows) are files; anything else is a package name. */
function isFilePath(spec: string): boolean {
  return spec.startsWith("./") || spec.startsWith("../") || nodePath.isAbsolute(spec);
}

/** A non-empty string at `path`. */
function readSpec(value: unknown, path: string, problems: Problems, expected: string): string | undefined {
  if (isUnresolved(value, path, problems)) return undefined;
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  problems.add(path, `expected ${expected}, got ${describe(value)}`);
  return undefined;
}

/** One entry: `"name-or-./path"`, `{ name, options }` or `{ path, options }`. */
function readPlugin(value: unknown, path: string, problems: Problems, baseDir: string): PluginRef | undefined {
  if (!isMapping(value)) {
    const spec = readSpec(value, path, problems, `a package name, a "./path", or { name | path, options }`);
    if (spec === undefined) return undefined;
    return { spec: isFilePath(spec) ? nodePath.resolve(baseDir, spec) : spec, options: {} };
  }
  checkKeys(value, PLUGIN_ENTRY_KEYS, path, problems);
  const hasName = value.name !== undefined;
  const hasPath = value.path !== undefined;
  if (hasName === hasPath) {
    problems.add(path, hasName ? `expected either "name" or "path", not both` : `expected a "name" (package) or a "path" (file)`);
    return undefined;
  }
  const options = value.options === null || value.options === undefined
    ? {}
    : readMapping(value.options, childPath(path, "options"), problems);
  let spec: string | undefined;
  if (hasPath) {
    const file = readSpec(value.path, childPath(path, "path"), problems, "a file path");
    spec = file === undefined ? undefined : nodePath.resolve(baseDir, file);
  } else {
    const name = readSpec(value.name, childPath(path, "name"), problems, "a package name");
    spec = name === undefined ? undefined : isFilePath(name) ? nodePath.resolve(baseDir, name) : name;
  }
  return spec === undefined || options === undefined ? undefined : { spec, options };
}

/** The list (a single entry may stand alone); nothing means no plugins. */
export function readPlugins(value: unknown, path: string, problems: Problems, baseDir: string): PluginRef[] | undefined {
  if (value === null || value === undefined) return [];
  const items = asList(value);
  const out: PluginRef[] = [];
  items.forEach((item, i) => {
    const ref = readPlugin(item, Array.isArray(value) ? childPath(path, i) : path, problems, baseDir);
    if (ref !== undefined) out.push(ref);
  });
  return out.length === items.length ? out : undefined;
}
