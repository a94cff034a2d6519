/**
 * The command line: `switchboard run | check | sandbox | migrate | inbox | status | schema`.
 * With no command, `--config FILE` means `run`, and no config at all means `sandbox`.
 */
import * as Effect from "effect/Effect";
import { builtinPlugins } from "../plugins/builtins.ts";
import { ConfigError, configJsonSchema, formatConfigError, loadConfigFile } from "./config/mod.ts";
import { BotStartError } from "./pipeline/bot.ts";
import { loadPlugins, PluginLoadError } from "./plugins/load.ts";
import { moveDeployment } from "./move.ts";
import { runConfig } from "./run.ts";
import { StoreError } from "./store/errors.ts";
import { openStore, StorageUrlError } from "./store/open.ts";
import { redactUrl } from "./store/postgres.ts";
import { createLogger, loggerFor } from "./util/log.ts";

const usage = `Usage:
  switchboard run --config FILE       run the bots in FILE (SIGTERM/SIGINT stop gracefully)
  switchboard check --config FILE     validate FILE and exit
  switchboard migrate --config FILE   bring the store to the newest schema and exit
  switchboard migrate --from URL --to URL [--config FILE]
                                      move a deployment into another store (e.g. SQLite to
                                      PostgreSQL): copies every table, resumable, then counts;
                                      --from defaults to the config's storage
  switchboard inbox --config FILE [--dead] [--limit N]
                                      pending updates and dead letters per bot; --dead lists the
                                      dead letters (updates set aside as unprocessable), newest first
  switchboard status --config FILE    the instances sharing the store, which bots each owns, lease
                                      ages, and each bot's inbox and outbox depth
  switchboard schema                  print the JSON Schema of the config file (for editors)
  switchboard sandbox [--port N] [--open] [--demo]
                                      a local Telegram emulator, a bot and a web page; no token needed
  switchboard --help`;

/** How long a graceful stop may take before the process exits anyway. */
const STOP_GRACE_MS = 4_500;

/** How long a stop signal during start-up waits for start-up to finish before exiting anyway. */
const STARTUP_GRACE_MS = 5_000;

/** Parsed command line. */
interface Args {
  command: string;
  config?: string;
  from?: string;
  to?: string;
  port?: number;
  open?: boolean;
  demo?: boolean;
  dead?: boolean;
  limit?: number;
  rest: string[];
}

function parseArgs(argv: string[]): Args {
  const args: Args = { command: "", rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--config" || a === "-c") args.config = argv[++i];
    else if (a.startsWith("--config=")) args.config = a.slice("--config=".length);
    else if (a === "--from") args.from = argv[++i];
    else if (a.startsWith("--from=")) args.from = a.slice("--from=".length);
    else if (a === "--to") args.to = argv[++i];
    else if (a.startsWith("--to=")) args.to = a.slice("--to=".length);
    else if (a === "--port") args.port = Number(argv[++i]);
    else if (a === "--open") args.open = true;
    else if (a === "--demo") args.demo = true;
    else if (a === "--dead") args.dead = true;
    else if (a === "--limit") args.limit = Number(argv[++i]);
    else if (a === "--help" || a === "-h") args.command = "help";
    else if (!a.startsWith("-") && args.command === "") args.command = a;
    else args.rest.push(a);
  }
  if (args.command === "") args.command = args.config ? "run" : "sandbox";
  return args;
}

/** Exits (status 0) after `ms` on the Clock, saying why first, unless the process has ended by then. */
const exitAfter = (ms: number, say: () => void): void =>
  void Effect.runFork(Effect.sleep(ms).pipe(Effect.andThen(Effect.sync(() => {
    say();
    process.exit(0);
  }))));

const fail = (message: string, code = 1): never => {
  process.stderr.write(message.endsWith("\n") ? message : message + "\n");
  process.exit(code);
};

function configOrExit(args: Args) {
  if (!args.config) return fail(`switchboard ${args.command}: --config FILE is required\n\n${usage}`, 2);
  try {
    return loadConfigFile(args.config!);
  } catch (error) {
    if (error instanceof ConfigError) return fail(formatConfigError(error, args.config));
    throw error;
  }
}

/** `migrate --from URL --to URL [--config FILE]`: moves the deployment; exits 1 unless every table's count matches. */
async function move(args: Args): Promise<void> {
  const config = args.config ? configOrExit(args) : undefined;
  const from = args.from ?? config?.storage;
  if (!from || !args.to) return fail(`switchboard migrate: --to URL needs --from URL (or --config FILE for its storage)\n\n${usage}`, 2);
  try {
    const { ok } = await moveDeployment({ from, to: args.to, bots: config?.bots, say: (line) => process.stdout.write(line + "\n") });
    if (!ok) process.exit(1);
  } catch (error) {
    if (error instanceof PluginLoadError || error instanceof StorageUrlError) throw error;
    fail(`switchboard migrate: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  switch (args.command) {
    case "help":
      process.stdout.write(usage + "\n");
      return;
    case "schema":
      // For editors: `switchboard schema > switchboard.schema.json`, then a yaml-language-server modeline.
      process.stdout.write(JSON.stringify(configJsonSchema(builtinPlugins), null, 2) + "\n");
      return;
    case "check": {
      const config = configOrExit(args);
      // Plugins are part of the config: load them and validate their options too.
      try {
        for (const [index, bot] of config.bots.entries()) {
          await loadPlugins(bot, index, { id: bot.id, username: "", groupId: bot.group, params: bot.params }, createLogger(bot.id, "error"));
        }
      } catch (error) {
        if (error instanceof PluginLoadError) fail(`Invalid configuration in ${args.config}:\n  - ${error.message.replaceAll("\n", "\n  - ")}`);
        throw error;
      }
      process.stdout.write(`${args.config}: OK — ${config.bots.length} bot(s): ${config.bots.map((b) => b.id).join(", ")}; storage ${redactUrl(config.storage)}\n`);
      return;
    }
    case "migrate": {
      if (args.to !== undefined || args.from !== undefined) return move(args);
      const config = configOrExit(args);
      const db = await openStore(config.storage).catch((error: unknown) =>
        error instanceof StorageUrlError ? Promise.reject(error) : fail(`switchboard migrate: ${error instanceof Error ? error.message : String(error)}`)
      );
      await db.destroy();
      process.stdout.write(`${redactUrl(config.storage)}: schema is up to date\n`);
      return;
    }
    case "inbox": {
      const config = configOrExit(args);
      const limit = args.limit ?? 50;
      if (!Number.isSafeInteger(limit) || limit < 1) fail(`switchboard inbox: --limit takes a whole number of at least 1`, 2);
      const { inboxReport } = await import("./cli/inbox.ts");
      const db = await openStore(config.storage);
      try {
        process.stdout.write(await inboxReport(db, { bots: config.bots.map((b) => b.id), storage: config.storage, dead: args.dead === true, limit }));
      } finally {
        await db.destroy();
      }
      return;
    }
    case "status": {
      const config = configOrExit(args);
      const { statusReport } = await import("./cli/status.ts");
      const db = await openStore(config.storage);
      try {
        process.stdout.write(await statusReport(db, { bots: config.bots.map((b) => b.id), storage: redactUrl(config.storage), now: Date.now() }));
      } finally {
        await db.destroy();
      }
      return;
    }
    case "run": {
      const config = configOrExit(args);
      const log = loggerFor(config.log);
      // Handlers go in before start-up: a signal that arrives while bots connect still stops cleanly.
      let stopRequested: string | undefined;
      let stop: ((signal: string) => Promise<void>) | undefined;
      const onSignal = (signal: string) => {
        if (stop) return void stop(signal);
        if (stopRequested) return;
        stopRequested = signal;
        // Start-up may wait for an unreachable Telegram indefinitely. Exiting then is safe: the
        // store is crash-safe and nothing was acknowledged that is not in it.
        exitAfter(STARTUP_GRACE_MS, () => log.warn(`${signal}: start-up has not finished after ${STARTUP_GRACE_MS / 1000} s; exiting without a graceful stop`));
      };
      process.on("SIGTERM", () => onSignal("SIGTERM"));
      process.on("SIGINT", () => onSignal("SIGINT"));
      const running = await runConfig(config, { log });
      let stopping = false;
      stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        log.info(`${signal}: stopping; queued work stays in the store for the next start`);
        // A stop waits for calls in flight; one that hangs must not hold the process past the
        // 5 s a supervisor allows. Exiting then is safe: the store is crash-safe.
        exitAfter(STOP_GRACE_MS, () => log.warn(`${signal}: the graceful stop has not finished after ${STOP_GRACE_MS / 1000} s; exiting anyway`));
        await running.stop();
        log.info("stopped cleanly");
        process.exit(0);
      };
      if (stopRequested) await stop(stopRequested);
      return;
    }
    case "sandbox": {
      const { runSandbox } = await import("./sandbox/run.ts");
      await runSandbox({ port: args.port, open: args.open, demo: args.demo });
      return;
    }
    default:
      fail(`switchboard: unknown command "${args.command}"\n\n${usage}`, 2);
  }
}

main(process.argv.slice(2)).catch((error) => {
  if (error instanceof BotStartError || error instanceof StorageUrlError || error instanceof StoreError || error instanceof PluginLoadError) fail(`switchboard: ${error.message}`);
  fail(`switchboard: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
});
