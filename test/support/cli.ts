/** Runs the real CLI as a child process on whichever runtime runs the tests (Node via tsx, or Deno). */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

/** The command that starts `src/cli.ts` on this runtime. */
export function cliCommand(args: string[]): [string, string[]] {
  return isDeno ? [process.execPath, ["run", "-A", "src/cli.ts", ...args]] : [process.execPath, ["bin/switchboard.mjs", ...args]];
}

/** Starts the CLI; output is collected into `out`. */
export function startCli(args: string[], env: Record<string, string> = {}): { child: ChildProcess; out: () => string; exited: Promise<number | null> } {
  const [command, argv] = cliCommand(args);
  const child = spawn(command, argv, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, out: () => output, exited };
}

/** Runs the CLI to completion. */
export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  const run = startCli(args, env);
  const code = await run.exited;
  return { code, output: run.out() };
}
