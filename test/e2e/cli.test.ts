/** The CLI contract: check, run, exit codes and messages that name the key. */
import { spawnSync } from "node:child_process";
import { readdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { digest } from "../../bin/build-cache.mjs";
import { runCli, startCli } from "../support/cli.ts";
import { createWorld, tempDir, waitFor } from "../support/world.ts";

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

const write = (text: string) => {
  const path = join(tempDir(), "switchboard.yaml");
  writeFileSync(path, text);
  return path;
};

describe("switchboard check", () => {
  it("accepts a valid file", async () => {
    const path = write(`bots:\n  - id: acme\n    token: \${T}\n    group: -1001234567890\n`);
    const { code, output } = await runCli(["check", "--config", path], { T: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ" });
    expect(output).toContain("OK");
    expect(code).toBe(0);
  });

  it("rejects a bad file naming the key and the problem, without a stack trace", async () => {
    const path = write(`bots:\n  - id: acme\n    token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"\n    group: "abc"\n`);
    const { code, output } = await runCli(["check", "--config", path]);
    expect(code).not.toBe(0);
    expect(output).toContain("bots[0].group");
    expect(output).toContain("-1001234567890");
    expect(output).not.toMatch(/\n\s+at /);
  });

  it("validates plugin options too, naming bots[i].plugins[j]", async () => {
    const plugin = fileURLToPath(new URL("../../examples/office-hours/plugin.ts", import.meta.url));
    const path = write(`bots:\n  - id: acme\n    token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"\n    group: -1001234567890\n    plugins:\n      - path: ${plugin}\n        options: { open: "9am", colour: red }\n`);
    const { code, output } = await runCli(["check", "--config", path]);
    expect(code).not.toBe(0);
    expect(output).toContain(`bots[0].plugins[0].options.open: expected a time like "09:00", got "9am"`);
    expect(output).toContain(`bots[0].plugins[0].options.colour: unknown option`);
  });

  it("names a missing environment variable", async () => {
    const path = write(`bots:\n  - id: acme\n    token: \${NOPE_TOKEN}\n    group: -1001234567890\n`);
    const { code, output } = await runCli(["check", "--config", path]);
    expect(code).not.toBe(0);
    expect(output).toContain("NOPE_TOKEN");
  });
});

describe("deno task start", () => {
  it("runs the same CLI on Deno (the contract's Deno entry point)", async () => {
    const path = write(`bots:\n  - id: acme\n    token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"\n    group: -1001234567890\n`);
    const deno = fileURLToPath(new URL("../../node_modules/deno/deno", import.meta.url));
    const result = spawnSync(deno, ["task", "start", "check", "--config", path], { cwd: fileURLToPath(new URL("../..", import.meta.url)), encoding: "utf8" });
    expect(result.stdout + result.stderr).toContain("OK — 1 bot(s): acme");
    expect(result.status).toBe(0);
  });
});

describe("switchboard run", () => {
  it("exits non-zero on a bad config and on a missing --config file", async () => {
    const bad = write(`bots:\n  - id: acme\n    tokn: x\n    group: -1001234567890\n`);
    const run = await runCli(["run", "--config", bad]);
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/bots\[0\]\.(token|tokn)/);
    const missing = await runCli(["run", "--config", join(tempDir(), "nope.yaml")]);
    expect(missing.code).not.toBe(0);
  });

  it("connects, logs one line per bot, and stops gracefully on SIGTERM", async () => {
    const w = await createWorld();
    try {
      const path = write(w.yaml());
      const run = startCli(["run", "--config", path], { ACME_TOKEN: w.bot.token });
      await waitFor(() => /\[acme\].*connected as @acme_support_bot.*receiving updates/.test(run.out()), "connected line", 30_000);
      expect(run.out().match(/receiving updates/g)).toHaveLength(1);
      run.child.kill("SIGTERM");
      const code = await run.exited;
      expect(run.out()).toContain("SIGTERM: stopping");
      expect(run.out()).toContain("stopped cleanly");
      // Deno's node:child_process reports a child that exited 0 from a SIGTERM handler as
      // killed by the signal (code null); the shell sees 0. Node reports it faithfully.
      if (!isDeno) expect(code).toBe(0);
    } finally {
      await w.emulator.close();
    }
  });

  it("fails clearly when Telegram rejects the token", async () => {
    const w = await createWorld();
    try {
      const path = write(w.yaml());
      const run = await runCli(["run", "--config", path], { ACME_TOKEN: "999:WRONGWRONGWRONGWRONGWRONG" });
      expect(run.code).not.toBe(0);
      expect(run.output).toContain("401");
    } finally {
      await w.emulator.close();
    }
  });
});

describe("the Node entry's bundle", () => {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const cache = join(root, "node_modules", ".cache", "switchboard");
  // node_modules may be shared by several checkouts: only this one's files count.
  const ours = `cli-${digest([root])}-`;
  // A start's own files name its pid in fixed places (`<name>.<pid>.tmp`, the older `cli-<pid>.mjs`
  // and `plugin-<pid>-…`); a bare substring test would also match digits inside a content digest.
  const ownedBy = (name: string, pid: number) => name.endsWith(`.${pid}.tmp`) || name === `cli-${pid}.mjs` || name.startsWith(`plugin-${pid}-`);
  const leftoversOf = (pids: number[]) => readdirSync(cache).filter((name) => pids.some((pid) => ownedBy(name, pid)) || (name.startsWith(ours) && !name.endsWith(".mjs")));

  it.skipIf(isDeno)("is built once per version of the sources and reused: starts, failing checks included, write nothing", async () => {
    const good = write(`bots:\n  - id: acme\n    token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"\n    group: -1001234567890\n`);
    const bad = write(`bots:\n  - id: acme\n    token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"\n    group: "abc"\n`);
    const pids: number[] = [];
    for (const args of [["check", "--config", good], ["check", "--config", bad], ["run", "--config", bad], ["check", "--config", bad]]) {
      const run = startCli(args);
      pids.push(run.child.pid!);
      await run.exited;
    }
    expect(readdirSync(cache).filter((name) => name.startsWith(ours))).toHaveLength(1);
    expect(leftoversOf(pids)).toEqual([]);
  });

  it.skipIf(isDeno)("leaves nothing behind from starts killed early, once the next start ran", async () => {
    const bad = write(`bots:\n  - id: acme\n    token: "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"\n    group: "abc"\n`);
    const pids: number[] = [];
    // Killed at a few points of the start: hashing the sources, bundling or importing, running.
    for (const afterMs of [0, 50, 150, 300, 500, 700, 900, 1200]) {
      const run = startCli(["check", "--config", bad]);
      pids.push(run.child.pid!);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      run.child.kill("SIGKILL");
      await run.exited;
    }
    await runCli(["check", "--config", bad]);
    expect(readdirSync(cache).filter((name) => name.startsWith(ours))).toHaveLength(1);
    expect(leftoversOf(pids)).toEqual([]);
  });
});
