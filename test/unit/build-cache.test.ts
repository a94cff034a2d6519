/**
 * The cache of esbuild output that plain Node runs (bin/build-cache.mjs): a build appears only
 * under its final name and complete; a temporary file never stays after a failed write, and one
 * left by a killed process is removed by the next start, with the per-start files of older
 * versions.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isCached, removeLeftovers, removeOtherVersions, writeAtomically } from "../../bin/build-cache.mjs";
import { tempDir } from "../support/world.ts";

/** Runs `code` in a child process; resolves with its pid once it is gone. */
const inChild = (code: string) =>
  new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", code], { stdio: "ignore" });
    child.on("error", reject);
    child.on("exit", () => resolve(child.pid!));
  });

describe("build cache", () => {
  it("writes under the final name only, and leaves no temporary file when the write fails", () => {
    const dir = tempDir();
    writeAtomically(dir, "cli-a.mjs", new TextEncoder().encode("export {};"));
    expect(readdirSync(dir)).toEqual(["cli-a.mjs"]);
    expect(readFileSync(join(dir, "cli-a.mjs"), "utf8")).toBe("export {};");
    expect(isCached(dir, "cli-a.mjs")).toBe(true);

    // The rename fails (a folder holds the name): the temporary file goes, the error stays.
    mkdirSync(join(dir, "cli-b.mjs", "busy"), { recursive: true });
    expect(() => writeAtomically(dir, "cli-b.mjs", new Uint8Array(10))).toThrow();
    expect(readdirSync(dir).sort()).toEqual(["cli-a.mjs", "cli-b.mjs"]);
    expect(isCached(dir, "cli-b.mjs")).toBe(false);
  });

  it("removes the temporary files of killed processes and old per-start files, never a live process's", async () => {
    const dir = tempDir();
    // A process killed in the middle of writing a build.
    const killed = await inChild(`require("fs").writeFileSync(${JSON.stringify(join(dir, "cli-x-y.mjs"))} + "." + process.pid + ".tmp", "half"); process.kill(process.pid, "SIGKILL");`);
    expect(readdirSync(dir)).toEqual([`cli-x-y.mjs.${killed}.tmp`]);
    // What the entry point used to write per start, left by a start that did not finish.
    writeFileSync(join(dir, `cli-${killed}.mjs`), "");
    writeFileSync(join(dir, `plugin-${killed}-plugin_ts.mjs`), "");
    // A live process's temporary file and the final builds stay.
    writeFileSync(join(dir, `cli-x-z.mjs.${process.pid}.tmp`), "");
    writeFileSync(join(dir, "cli-x-y.mjs"), "");
    writeFileSync(join(dir, `plugin-plugin_ts-abc.${"1".repeat(16)}.mjs`), "");
    removeLeftovers(dir);
    expect(readdirSync(dir).sort()).toEqual(["cli-x-y.mjs", `cli-x-z.mjs.${process.pid}.tmp`, `plugin-plugin_ts-abc.${"1".repeat(16)}.mjs`]);

    removeOtherVersions(dir, "cli-x-", "cli-x-w.mjs");
    expect(readdirSync(dir).sort()).toEqual([`cli-x-z.mjs.${process.pid}.tmp`, `plugin-plugin_ts-abc.${"1".repeat(16)}.mjs`]);
  });
});
