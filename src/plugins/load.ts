/**
 * Loading a bot's plugins: the built-ins (always), then the config's `plugins` entries —
 * built-in names (to pass options) or module paths, imported the same way on Node (through
 * tsx) and Deno. Options are validated at start; problems name `bots[i].plugins[j]`.
 */
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Kysely, Migrator } from "kysely";
import * as Layer from "effect/Layer";
import * as ManagedRuntime from "effect/ManagedRuntime";
import { cacheDir, digest, isCached, removeLeftovers, removeOtherVersions, writeAtomically } from "../../bin/build-cache.mjs";
import type { BotConfig } from "../config/mod.ts";
import { builtinPlugins } from "../../plugins/builtins.ts";
import type { Logger } from "../util/log.ts";
import { displayName, titleStatusOf, topicTitle } from "../conversation/title.ts";
import type { BotView, ConversationView, Plugin, PluginEnv, PluginFactory } from "./api.ts";
import { PluginHost } from "./host.ts";

/** A plugin could not be loaded or its options are wrong; the message names the config path. */
export class PluginLoadError extends Error {
  override readonly name = "PluginLoadError";
}

const isFactory = (x: unknown): x is PluginFactory<unknown> =>
  typeof x === "object" && x !== null && typeof (x as PluginFactory).name === "string" &&
  typeof (x as PluginFactory).create === "function" && typeof (x as PluginFactory).parseOptions === "function";

/**
 * Node without a TypeScript loader (the lean `bin/switchboard.mjs`) cannot import a `.ts` plugin:
 * bundle it with esbuild, resolving `switchboard` to this project's public API. The bundle is
 * cached under a hash of its content (its imports included), so a start writes nothing when the
 * plugin has not changed; a plugin's older bundles are removed when it changes.
 */
async function importTypeScript(path: string): Promise<Record<string, unknown>> {
  const { buildSync } = await import("esbuild");
  const root = process.env.SWITCHBOARD_ROOT ?? process.cwd();
  const cache = cacheDir(root);
  removeLeftovers(cache);
  const built = buildSync({
    entryPoints: [path], outfile: join(cache, "plugin.mjs"), write: false, bundle: true, platform: "node", format: "esm", target: "node20",
    packages: "external", alias: { switchboard: join(root, "src", "mod.ts") }, logLevel: "error",
  });
  const bytes = built.outputFiles[0].contents;
  const prefix = `plugin-${basename(path).replace(/\W/g, "_")}-${digest([path])}.`;
  const name = `${prefix}${digest([bytes])}.mjs`;
  if (!isCached(cache, name)) {
    writeAtomically(cache, name, bytes);
    removeOtherVersions(cache, prefix, name);
  }
  return await import(pathToFileURL(join(cache, name)).href);
}

/** Imports a deployer's plugin module; its default export (or `plugin`) must be a factory. */
async function importFactory(spec: string, at: string): Promise<PluginFactory<unknown>> {
  let module: Record<string, unknown>;
  try {
    const url = spec.startsWith("/") ? pathToFileURL(spec).href : spec;
    module = await import(url).catch((error: { code?: string }) => {
      if (error?.code === "ERR_UNKNOWN_FILE_EXTENSION" && /\.[mc]?ts$/.test(spec)) return importTypeScript(spec);
      throw error;
    });
  } catch (error) {
    throw new PluginLoadError(`${at}: cannot load "${spec}": ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
  }
  const candidate = module.default ?? module.plugin;
  if (!isFactory(candidate)) {
    throw new PluginLoadError(`${at}: "${spec}" does not export a plugin (export default definePlugin({ name, create }))`);
  }
  return candidate;
}

/** `bots[0].plugins[1]` + `days[2]` → `bots[0].plugins[1].options.days[2]` (an empty option is the mapping itself). */
function optionPath(at: string, option: string): string {
  return option === "" ? `${at}.options` : option.startsWith("[") ? `${at}.options${option}` : `${at}.options.${option}`;
}

/** Runs a plugin's migrations, tracked in tables named after the plugin. */
async function migratePlugin(db: Kysely<any>, factory: PluginFactory<unknown>, at: string): Promise<void> {
  if (!factory.migrations) return;
  const suffix = factory.name.replace(/[^A-Za-z0-9_]/g, "_");
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => factory.migrations! },
    migrationTableName: `plugin_${suffix}_migration`,
    migrationLockTableName: `plugin_${suffix}_migration_lock`,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName ?? "unknown";
    throw new PluginLoadError(`${at}: migration "${failed}" of plugin "${factory.name}" failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

type Chosen = Map<string, { factory: PluginFactory<unknown>; options: Record<string, unknown>; at: string }>;

/** The plugins of bot number `index`: the built-ins, then the config's entries, by name. */
async function choosePlugins(bot: BotConfig, index: number): Promise<Chosen> {
  const byName = new Map(builtinPlugins.map((f) => [f.name, f as PluginFactory<unknown>]));
  const chosen: Chosen = new Map();
  for (const factory of builtinPlugins) chosen.set(factory.name, { factory: factory as PluginFactory<unknown>, options: {}, at: `built-in plugin ${factory.name}` });
  for (const [j, ref] of bot.plugins.entries()) {
    const at = `bots[${index}].plugins[${j}]`;
    const factory = byName.get(ref.spec) ?? (await importFactory(ref.spec, at));
    if (chosen.has(factory.name) && !byName.has(ref.spec)) throw new PluginLoadError(`${at}: a plugin named "${factory.name}" is already loaded`);
    chosen.set(factory.name, { factory, options: ref.options, at });
  }
  return chosen;
}

/**
 * Runs the migrations of every plugin the built-ins and `bots` name, without starting any, so a
 * store holds every plugin table (`switchboard migrate --from … --to …` prepares both stores so).
 * Returns the names of the plugins that have migrations.
 */
export async function migratePlugins(db: Kysely<any>, bots: readonly BotConfig[] = []): Promise<string[]> {
  const all: Chosen = new Map();
  for (const factory of builtinPlugins) all.set(factory.name, { factory: factory as PluginFactory<unknown>, options: {}, at: `built-in plugin ${factory.name}` });
  for (const [index, bot] of bots.entries()) for (const [name, entry] of await choosePlugins(bot, index)) all.set(name, entry);
  const migrated: string[] = [];
  for (const { factory, at } of all.values()) {
    if (!factory.migrations) continue;
    await migratePlugin(db, factory, at);
    migrated.push(factory.name);
  }
  return migrated;
}

/** The title the core gives `conversation`'s topic, with `data` as its plugin data (see `PluginEnv.titleOf`). */
function titleOf(host: PluginHost, bot: BotView, conversation: ConversationView, data?: Readonly<Record<string, unknown>>): string | undefined {
  const status = titleStatusOf(conversation.state, conversation.status);
  if (status === undefined || conversation.topicId === null) return undefined;
  const name = (user: ConversationView["user"]) => host.nameOf(user, bot) ?? displayName(user);
  return topicTitle(status, conversation.user, name, host.titleSuffix(data ?? conversation.data, bot));
}

/**
 * Builds the plugin host of bot number `index` of the config; migrates plugins when `db` is given,
 * unless `migrated` says `migratePlugins` already did (several instances migrate once at start,
 * not once per bot that moves between them).
 */
export async function loadPlugins(bot: BotConfig, index: number, view: BotView, log: Logger, db?: Kysely<any>, migrated = false): Promise<PluginHost> {
  const chosen = await choosePlugins(bot, index);
  let host: PluginHost | undefined;
  const plugins: Plugin[] = [];
  for (const { factory, options, at } of chosen.values()) {
    const parsed = factory.parseOptions(options);
    if (!parsed.ok) throw new PluginLoadError(parsed.problems.map((p) => `${optionPath(at, p.option)}: ${p.message}`).join("\n"));
    if (db && !migrated) await migratePlugin(db, factory, at);
    const env: PluginEnv = {
      bot: view, log: log.child(factory.name), commandHelp: (where) => host?.help(where) ?? [],
      report: (chatId, kind, data) => host ? host.report(chatId, { type: "plugin.result", plugin: factory.name, kind, data }) : Promise.reject(new Error("the bot is not running")),
      telegram: () => host?.telegram,
      titleOf: (conversation, data) => (host ? titleOf(host, view, conversation, data) : undefined),
      ...(db ? { db } : {}),
    };
    try {
      plugins.push(factory.create(parsed.options, env));
    } catch (error) {
      throw new PluginLoadError(`${at}: plugin "${factory.name}" failed to start: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  // One runtime for every plugin's services: a hook may use any loaded plugin's service.
  const layers = [...chosen.values()].flatMap(({ factory }) => (factory.layer ? [factory.layer] : []));
  const runtime = layers.length > 0 ? ManagedRuntime.make(Layer.mergeAll(...(layers as [Layer.Layer<any, unknown, never>]))) : undefined;
  host = new PluginHost(plugins, log, 2_000, runtime);
  return host;
}
