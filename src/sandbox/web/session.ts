/**
 * One sandbox: the emulated Telegram (bot, operators' group, operator, a first user), Switchboard
 * running against it from an editable YAML config, and the live model the page draws — world
 * changes, conversation states, counters, log lines — pushed to subscribers as {@link PageEvent}s.
 */
import { createServer } from "node:net";
import type { User } from "@grammyjs/types";
import type { Config } from "../../config/mod.ts";
import { type Running, runConfig } from "../../run.ts";
import type { Logger } from "../../util/log.ts";
import { type BotIdentity, EmulatorCore, type WorldEvent } from "../emulator/mod.ts";
import { serve } from "../emulator/http.ts";
import { defaultYaml, sandboxEnv, validateYaml, type WorldRefs } from "./config.ts";
import { ConversationBoard } from "./conversations.ts";
import { teeLogger } from "./logger.ts";
import { registerSamples } from "./samples.ts";
import { StatsTracker } from "./stats.ts";
import type { ConfigView, LogLine, PageEvent, PageSnapshot, SampleView } from "./types.ts";
import { allReactions, type Cast, chatsOf, reactionKey, reactionsOn, usersOf } from "./world-view.ts";

/** Options of {@link SandboxSession.start}. */
export interface SessionOptions {
  /** SQLite file of the store (the caller wipes it first). */
  storagePath: string;
  /** Long-poll timeout of the bot, seconds (default 10). */
  pollTimeoutSeconds?: number;
}

/** The result of Apply. */
export type ApplyResult = { ok: true } | { ok: false; problems: string[] };

const LOG_KEPT = 200;
const BOT_NAME = "Sandbox Support";
const STATS_EVERY_MS = 400;

/** See the module comment. */
export class SandboxSession {
  readonly core: EmulatorCore;
  readonly bot: BotIdentity;
  readonly operator: User;
  readonly groupId: number;
  readonly samples: SampleView[];
  readonly conversations: ConversationBoard;
  readonly #refs: WorldRefs;
  readonly #options: SessionOptions;
  readonly #stats: StatsTracker;
  readonly #listeners = new Set<(e: PageEvent) => void>();
  readonly #log: LogLine[] = [];
  readonly #logger: Logger;
  #running: Running | undefined;
  #runningConfig: Config | undefined;
  #config: ConfigView;
  #unwatch: Array<() => void> = [];
  #applying: Promise<unknown> = Promise.resolve();
  #statsTimer: ReturnType<typeof setInterval> | undefined;
  #lastStats = "";
  #statsBusy = false;
  #demo = false;

  private constructor(core: EmulatorCore, options: SessionOptions, adminPort: number) {
    this.core = core;
    this.#options = options;
    this.bot = core.createBot({ username: "sandbox_support_bot", firstName: BOT_NAME });
    this.operator = core.createUser({ firstName: "Olga", lastName: "Operator", username: "olga" });
    this.groupId = core.createForumGroup({ title: "Support operators", bots: [this.bot.token], operators: [this.operator.id] });
    core.createUser({ firstName: "Ann", lastName: "Lee", username: "ann" });
    this.samples = registerSamples(core);
    this.#refs = { token: this.bot.token, apiRoot: core.url, groupId: this.groupId, storagePath: options.storagePath, adminPort };
    this.#config = { yaml: defaultYaml(this.#refs), status: "starting", problems: [] };
    this.#stats = new StatsTracker(core);
    this.#logger = teeLogger("", (line) => this.#addLog(line));
    this.conversations = new ConversationBoard((view) => this.#emit({ kind: "conversation", data: view }));
    core.onChange((e) => this.#onWorld(e));
  }

  /** Starts the emulator on a free loopback port and Switchboard with the default config. */
  static async start(options: SessionOptions): Promise<SandboxSession> {
    const adminPort = await freeLoopbackPort();
    const core = new EmulatorCore();
    const { url, close } = await serve(core, "127.0.0.1", 0);
    core.attach(url, close);
    const session = new SandboxSession(core, options, adminPort);
    const first = await session.apply(session.#config.yaml);
    if (!first.ok) {
      await core.close();
      throw new Error(`the sandbox bot did not start:\n${first.problems.join("\n")}`);
    }
    session.#statsTimer = setInterval(() => void session.#pushStats(), STATS_EVERY_MS);
    return session;
  }

  /** The accounts the page tells apart. */
  get cast(): Cast {
    return { token: this.bot.token, botId: this.bot.id, groupId: this.groupId };
  }

  /** The running deployment (undefined while the bot restarts). */
  get running(): Running | undefined {
    return this.#running;
  }

  /** The logger of sandbox code (demo, actions): the terminal and the page's log. */
  /** The YAML the bot runs with now. */
  get configYaml(): string {
    return this.#config.yaml;
  }

  get log(): Logger {
    return this.#logger;
  }

  /** Subscribes to page events; returns the unsubscribe function. */
  onEvent(listener: (e: PageEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Everything the page needs to draw itself. */
  async snapshot(): Promise<PageSnapshot> {
    return this.snapshotWith(await this.#stats.read(this.#running));
  }

  /** The snapshot with given counters (synchronous, so no event can slip between it and a subscription). */
  snapshotWith(stats: PageSnapshot["stats"]): PageSnapshot {
    const users = usersOf(this.core, this.cast);
    const group = this.core.world.requireGroup(this.groupId);
    return {
      bot: { id: this.bot.id, username: this.bot.username, firstName: BOT_NAME },
      operator: { id: this.operator.id, name: [this.operator.first_name, this.operator.last_name].filter(Boolean).join(" ") },
      group: { id: this.groupId, title: group.title },
      users,
      chats: chatsOf(this.core, this.cast, users),
      groupMessages: this.core.messages(this.groupId),
      topics: this.core.topics(this.groupId),
      reactions: allReactions(this.core, this.cast),
      conversations: this.conversations.all(),
      stats,
      config: { ...this.#config },
      log: [...this.#log],
      samples: this.samples,
      demo: this.#demo,
    };
  }

  /** The counters now. */
  stats() {
    return this.#stats.read(this.#running);
  }

  /** Records armed faults for the counters. */
  faultsArmed(times: number): void {
    this.#stats.armed(times);
  }

  /** Clears the emulator's armed faults. */
  clearFaults(): void {
    this.core.clearFaults();
    this.#stats.disarmed();
  }

  /** Marks a scripted demo as playing (or not), for the page's controls. */
  setDemo(playing: boolean): void {
    this.#demo = playing;
    this.#emit({ kind: "demo", data: { playing } });
  }

  /** True while a demo plays. */
  get demoPlaying(): boolean {
    return this.#demo;
  }

  /**
   * Validates the YAML and restarts the bot with it. On a start failure the previous config runs
   * again and the problem is reported. Applies run one after another.
   */
  apply(yaml: string): Promise<ApplyResult> {
    const run = this.#applying.then(() => this.#applyNow(yaml));
    this.#applying = run.catch(() => undefined);
    return run;
  }

  /** Stops the bot, the emulator and the counters. */
  async stop(): Promise<void> {
    clearInterval(this.#statsTimer);
    await this.#applying;
    await this.#stopBot();
    await this.core.close();
    this.#listeners.clear();
  }

  async #applyNow(yaml: string): Promise<ApplyResult> {
    const parsed = validateYaml(yaml, sandboxEnv(this.#refs));
    const problems = "problems" in parsed ? parsed.problems : this.#sandboxProblems(parsed.config);
    if (problems.length > 0) {
      this.#setConfig({ ...this.#config, problems });
      return { ok: false, problems };
    }
    const config = (parsed as { config: Config }).config;
    const previous = this.#runningConfig;
    this.#setConfig({ ...this.#config, status: this.#running ? "restarting" : "starting", problems: [] });
    await this.#stopBot();
    try {
      await this.#startBot(config);
      this.#setConfig({ yaml, status: "running", problems: [], startedAt: Date.now(), ...this.#analytics() });
      return { ok: true };
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      this.#logger.warn("the bot did not start with the new configuration", { error: why });
      if (previous) {
        try {
          await this.#startBot(previous);
          const failed = [`The bot did not start: ${why}`, "The previous configuration runs again."];
          this.#setConfig({ ...this.#config, status: "running", problems: failed, startedAt: Date.now(), ...this.#analytics() });
          return { ok: false, problems: failed };
        } catch (again) {
          const failed = [`The bot did not start: ${why}`, `Nor with the previous configuration: ${again instanceof Error ? again.message : String(again)}`];
          this.#setConfig({ ...this.#config, status: "stopped", problems: failed });
          return { ok: false, problems: failed };
        }
      }
      this.#setConfig({ ...this.#config, status: "stopped", problems: [why] });
      return { ok: false, problems: [why] };
    }
  }

  /** The analytics page of the running deployment, when its config serves one. */
  #analytics(): { analyticsUrl?: string } {
    const port = this.#running?.adminPort;
    return port === undefined ? {} : { analyticsUrl: `http://127.0.0.1:${port}/analytics` };
  }

  /** The analytics page now (undefined while the config has no `admin`). */
  get analyticsUrl(): string | undefined {
    return this.#config.analyticsUrl;
  }

  /** What a valid config may still not do here: leave the emulator or the sandbox's group. */
  #sandboxProblems(config: Config): string[] {
    const out: string[] = [];
    config.bots.forEach((bot, i) => {
      if (bot.apiRoot.replace(/\/$/, "") !== this.core.url) out.push(`bots[${i}].api_root: the sandbox's bots talk to the emulator: use \${SANDBOX_API_ROOT}`);
      if (bot.group !== this.groupId) out.push(`bots[${i}].group: the sandbox's operators' group is ${this.groupId}`);
    });
    return out;
  }

  async #startBot(config: Config): Promise<void> {
    const running = await runConfig(config, { log: this.#logger, pollTimeoutSeconds: this.#options.pollTimeoutSeconds ?? 10 });
    this.#running = running;
    this.#runningConfig = config;
    this.#unwatch = running.bots.map((bot) => this.conversations.watch(bot));
  }

  async #stopBot(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    for (const off of this.#unwatch) off();
    this.#unwatch = [];
    this.#running = undefined;
    await running.stop();
    this.#stats.carry(running);
  }

  #setConfig(view: ConfigView): void {
    this.#config = view;
    this.#emit({ kind: "config", data: { ...view } });
  }

  #addLog(line: LogLine): void {
    this.#log.push(line);
    if (this.#log.length > LOG_KEPT) this.#log.splice(0, this.#log.length - LOG_KEPT);
    this.#emit({ kind: "log", data: line });
  }

  #onWorld(e: WorldEvent): void {
    switch (e.type) {
      case "message":
      case "edit":
      case "delete":
      case "topic":
        this.#emit({ kind: "world", data: e });
        return;
      case "reaction":
        if (e.chatId !== undefined && e.messageId !== undefined) {
          this.#emit({ kind: "reactions", data: { key: reactionKey(e.chatId, e.messageId), emojis: reactionsOn(this.core, this.cast, e.chatId, e.messageId) } });
        }
        return;
      case "user":
      case "block":
        // The group may not exist yet while the constructor creates the cast.
        if (this.core.world.groups.has(this.groupId)) this.#emit({ kind: "users", data: usersOf(this.core, this.cast) });
        return;
      default:
        return; // bots, chats, updates and webhooks are not drawn
    }
  }

  async #pushStats(): Promise<void> {
    if (this.#statsBusy) return;
    this.#statsBusy = true;
    try {
      const stats = await this.#stats.read(this.#running);
      const text = JSON.stringify(stats);
      if (text === this.#lastStats) return;
      this.#lastStats = text;
      this.#emit({ kind: "stats", data: stats });
    } finally {
      this.#statsBusy = false;
    }
  }

  #emit(e: PageEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(e);
      } catch {
        // a subscriber's failure (a closed stream) must not break the others
      }
    }
  }
}

/**
 * A loopback port free now, for the admin listener: fixed for the session, so the analytics
 * link stays the same when Apply restarts the bot.
 */
function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
