/**
 * Built-in plugins use the public API only (issue #9): every import of the runtime's sources
 * goes through `src/mod.ts`, exactly as a deployer's plugin does.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const pluginsDir = join(root, "plugins");
const srcDir = join(root, "src");

/** Every .ts file under `dir`. */
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : []);

/** The relative module specifiers of `file`'s imports and re-exports, resolved to absolute paths. */
const importsOf = (file: string): string[] =>
  [...readFileSync(file, "utf8").matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.[^"]+)"/g)]
    .map((m) => resolve(file, "..", m[1]!));

describe("built-in plugins' imports", () => {
  it("reach the runtime's sources only through src/mod.ts", () => {
    const outside = sources(pluginsDir).flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith(srcDir + "/") && target !== join(srcDir, "mod.ts"))
        .map((target) => `${relative(root, file)} -> ${relative(root, target)}`));
    expect(outside).toEqual([]);
  });
});
