/**
 * `broadcasts`: Hotline's `/send` in General (for `extensions_allowed`) — a template to many
 * users, confirmed first, durable, paced beside relaying, not shown in topics, with progress and
 * a report in General. The syntax is in parse.ts; who gets it in recipients.ts; the sending in
 * sender.ts; the tables in store.ts. `/send NAME` in a user's topic stays the templates plugin's.
 */
import * as Effect from "effect/Effect";
import type { HookContext, HookOutput, PluginWrite } from "../../src/mod.ts";
import { definePlugin, displayName } from "../../src/mod.ts";
import { aliasOf } from "../hide-info/alias.ts";
import { isAllowed, operatorOf, refusal } from "../templates/allowed.ts";
import { templateBookOf } from "../templates/book.ts";
import { broadcastOptions, budgetOf } from "./options.ts";
import { parseSend, type SendRequest, subcommands, zonedTime } from "./parse.ts";
import { idsFromFile, resolveRecipients } from "./recipients.ts";
import { webhookOutletOf } from "../webhooks/outlet.ts";
import { progressText, summaryText, tally } from "./report.ts";
import { makeBroadcastSender } from "./sender.ts";
import { type Broadcast, clearBlocked, confirm, countsOf, createDraft, getBroadcast, liveBroadcasts, markBlocked, migrations, recentBroadcasts, setStatus } from "./store.ts";

const name = "broadcasts";
/** The largest id file read (about 100,000 ids). */
const maxFileBytes = 2_000_000;

/** `/send help` in General. */
export const sendHelp = [
  "Broadcasts (in General):",
  "/send TEMPLATE to all — everyone who wrote to the bot",
  "/send TEMPLATE to label NAME [NAME…] — users with any of these labels",
  "/send TEMPLATE to list ID,ID,… — these user ids",
  "/send TEMPLATE to file — in reply to a document: one user id per line, or a CSV with an id column",
  "/send TEMPLATE test — only to you",
  "… at YYYY-MM-DD HH:MM — later (the deployment's time zone)",
  "… except label NAME [NAME…] — leave these users out",
  "The bot answers with the number of recipients; /send go ID starts it.",
  "/send status · /send pause ID · /send resume ID · /send cancel ID",
].join("\n");

const say = (text: string): HookOutput => ({ intents: [{ type: "sendToGeneral", text }] });

/** What a draft keeps of the request, to resolve the recipients again on confirmation. */
interface Spec {
  readonly target: SendRequest["target"];
  readonly except: readonly string[];
  readonly sender: number | undefined;
  /** `file`: the ids read from it. */
  readonly fileIds?: readonly number[];
}

/** "to all", "to label vip, lead", … for answers. */
function describeTarget(spec: Spec): string {
  const t = spec.target;
  const base = t.kind === "label" ? `to label ${t.labels.join(", ")}` : t.kind === "list" ? `to ${t.ids.length} listed ids` : t.kind === "test" ? "as a test to you" : t.kind === "file" ? `to ${spec.fileIds?.length ?? 0} ids from the file` : `to ${t.kind}`;
  return spec.except.length > 0 ? `${base} except label ${spec.except.join(", ")}` : base;
}

/** What the write hook records: a user blocked or unblocked the bot. */
type BlockWrite = { op: "blocked" | "unblocked" };

/** The built-in broadcasts plugin. */
export default definePlugin({
  name,
  options: broadcastOptions,
  migrations,
  create: (options, env) => {
    const { bot, db, log } = env;
    const timeZone = options.time_zone;
    const hideNames = bot.params.hide_info.includes("name");
    const when = (ms: number) => `${new Intl.DateTimeFormat("en-CA", { timeZone, dateStyle: "short", timeStyle: "short", hourCycle: "h23" }).format(new Date(ms))} (${timeZone})`;

    /** broadcast_started / broadcast_finished, for the webhooks that subscribe to them. */
    const emitEvent = async (event: "broadcast_started" | "broadcast_finished", b: Broadcast, now: number) => {
      const outlet = webhookOutletOf(bot.id);
      if (!outlet || !db) return;
      const t = tally(await countsOf(db, b.id));
      const counts = event === "broadcast_finished"
        ? { recipients: t.total, delivered: t.sent, failed: t.failed, blocked: t.blocked, not_sent: t.remaining, in_doubt: t.inDoubt }
        : { recipients: t.total };
      await outlet.emit(event, { broadcast: { id: b.id, template: b.template, status: b.status, created_by: b.createdBy, ...counts } }, now);
    };

    const sender = db
      ? Effect.runSync(makeBroadcastSender({
        db, botId: bot.id, groupId: bot.groupId, log, telegram: env.telegram,
        perSecond: budgetOf(options.allow_paid_broadcast), paid: options.allow_paid_broadcast, progressEveryMs: 10_000,
        template: async (key) => templateBookOf(bot.id)?.find(key),
        onEvent: (event, b, now) => emitEvent(event, b, now),
        nameOf: async (chatIds) => {
          const names = new Map<number, string>();
          for (let i = 0; i < chatIds.length; i += 500) {
            const rows = await db.selectFrom("conversations").select(["chat_id", "user"]).where("bot_id", "=", bot.id).where("chat_id", "in", chatIds.slice(i, i + 500)).execute();
            for (const r of rows) {
              const id = Number(r.chat_id);
              names.set(id, hideNames ? aliasOf(bot.id, id) : displayName(JSON.parse(r.user)));
            }
          }
          if (hideNames) for (const id of chatIds) if (!names.has(id)) names.set(id, aliasOf(bot.id, id));
          return names;
        },
      }))
      : undefined;

    /** `file`: the ids in the document the command replies to. */
    const readFile = async (ctx: HookContext): Promise<{ ids: number[] } | { error: string }> => {
      const replied = ctx.event.type === "operator.command" ? ctx.event.message.reply_to_message : undefined;
      const document = replied?.document;
      if (!document) return { error: "Reply to a document (one user id per line, or a CSV with an id column) with /send TEMPLATE to file." };
      const tg = env.telegram();
      if (!tg) return { error: "The bot is not connected yet; try again in a moment." };
      let text: string;
      try {
        text = await tg.downloadText(document.file_id, maxFileBytes);
      } catch (error) {
        return { error: `The file could not be read: ${error instanceof Error ? error.message : String(error)}.` };
      }
      const read = idsFromFile(text);
      if ("error" in read) return read;
      if (read.ids.length === 0) return { error: "The file holds no user ids (one per line, or a CSV with an id column)." };
      return { ids: read.ids };
    };

    const ask = async (ctx: HookContext, request: SendRequest): Promise<HookOutput> => {
      if (!db) return say("Broadcasts need a store.");
      const book = templateBookOf(bot.id);
      const template = await book?.find(request.template);
      if (!template) return say(`No template ${request.template}. /template lists them.`);
      let fileIds: number[] | undefined;
      if (request.target.kind === "file") {
        const read = await readFile(ctx);
        if ("error" in read) return say(read.error);
        fileIds = read.ids;
      }
      let startAt = ctx.now;
      if (request.at) {
        startAt = zonedTime(request.at, timeZone);
        if (startAt <= ctx.now) return say(`${when(startAt)} is in the past.`);
      }
      const spec: Spec = { target: request.target, except: request.except, sender: operatorOf(ctx), ...(fileIds ? { fileIds } : {}) };
      const resolved = await resolveRecipients(db, { botId: bot.id, ...spec });
      if (!resolved.ok) return say(resolved.message);
      if (resolved.chatIds.length === 0) return say(`Nobody to send to ${describeTarget(spec)}.`);
      const id = await createDraft(db, bot.id, { template: template.name, spec: JSON.stringify(spec), createdBy: spec.sender ?? null, createdAt: ctx.now, startAt });
      const skipped = [
        resolved.skippedBlocked > 0 ? `${resolved.skippedBlocked} who blocked the bot` : "",
        resolved.skippedBanned > 0 ? `${resolved.skippedBanned} banned` : "",
      ].filter(Boolean);
      return say([
        `📣 Broadcast #${id}: template ${template.name} ${describeTarget(spec)} — ${resolved.chatIds.length} recipient${resolved.chatIds.length === 1 ? "" : "s"}${skipped.length > 0 ? ` (left out: ${skipped.join(", ")})` : ""}.`,
        request.at ? `It starts at ${when(startAt)}.` : "It starts at once.",
        `Confirm with /send go ${id}`,
      ].join("\n"));
    };

    const go = async (ctx: HookContext, id: number): Promise<HookOutput> => {
      const b = db && (await getBroadcast(db, bot.id, id));
      if (!db || !b) return say(`No broadcast #${id}. /send status lists them.`);
      if (b.status !== "draft") return say(`Broadcast #${id} is already ${b.status === "scheduled" || b.status === "running" ? "confirmed" : b.status}.`);
      // Resolved again: labels and blocks may have changed since the draft.
      const spec = JSON.parse(b.spec) as Spec;
      const resolved = await resolveRecipients(db, { botId: bot.id, ...spec });
      if (!resolved.ok) return say(resolved.message);
      if (resolved.chatIds.length === 0) return say(`Nobody to send to ${describeTarget(spec)} any more.`);
      if (!(await confirm(db, bot.id, id, resolved.chatIds, "scheduled"))) return say(`Broadcast #${id} is already confirmed.`);
      sender?.wake();
      return say(`📣 Broadcast #${id} confirmed: ${resolved.chatIds.length} recipient${resolved.chatIds.length === 1 ? "" : "s"}; ${b.startAt > ctx.now ? `it starts at ${when(b.startAt)}` : "starting now"}. /send status shows it.`);
    };

    const control = async (ctx: HookContext, verb: "pause" | "resume" | "cancel", id: number): Promise<HookOutput> => {
      const b = db && (await getBroadcast(db, bot.id, id));
      if (!db || !b) return say(`No broadcast #${id}. /send status lists them.`);
      if (verb === "pause") {
        if (!(await setStatus(db, bot.id, id, ["running", "scheduled"], "paused"))) return say(`Broadcast #${id} is ${b.status}; only a running or scheduled one can be paused.`);
        sender?.wake();
        return say(`⏸ Broadcast #${id} paused. /send resume ${id} goes on.`);
      }
      if (verb === "resume") {
        if (!(await setStatus(db, bot.id, id, ["paused"], "scheduled"))) return say(`Broadcast #${id} is ${b.status}; only a paused one can be resumed.`);
        sender?.wake();
        return say(`▶️ Broadcast #${id} resumed.`);
      }
      if (!(await setStatus(db, bot.id, id, ["draft", "scheduled", "running", "paused"], "cancelled", { finished_at: ctx.now }))) {
        return say(`Broadcast #${id} is already ${b.status}.`);
      }
      sender?.wake();
      if (b.status === "draft") return say(`Broadcast #${id} cancelled before it started.`);
      if (b.startedAt !== null) await emitEvent("broadcast_finished", { ...b, status: "cancelled" }, ctx.now);
      return say(summaryText({ ...b, status: "cancelled" }, await countsOf(db, id), ctx.now));
    };

    const status = async (ctx: HookContext): Promise<HookOutput> => {
      if (!db) return say("Broadcasts need a store.");
      const live = await liveBroadcasts(db, bot.id);
      const recent = await recentBroadcasts(db, bot.id, 3);
      if (live.length === 0 && recent.length === 0) return say("No broadcasts yet. /send help shows how to start one.");
      const parts: string[] = [];
      for (const b of live) {
        const text = progressText(b, await countsOf(db, b.id), ctx.now);
        parts.push(b.status === "scheduled" && b.startedAt === null ? `${text}\nstarts at ${when(b.startAt)}` : text);
      }
      for (const b of recent) parts.push(summaryText(b, await countsOf(db, b.id), b.finishedAt ?? ctx.now));
      return say([`Broadcasts (${live.length} under way):`, ...parts].join("\n\n"));
    };

    return {
      onEvent(ctx) {
        // Blocks the core learns of (my_chat_member) count for later broadcasts too.
        const type = ctx.event.type;
        const blocked = type === "user.blocked" || (type === "delivery.blocked" && ctx.event.reason === "blocked");
        if (!blocked && type !== "user.unblocked") return;
        if (ctx.conversation.chatId <= 0) return;
        return { effects: [{ type: "write", plugin: name, value: { op: blocked ? "blocked" : "unblocked" } satisfies BlockWrite }] };
      },
      async write(tx, writes: readonly PluginWrite[]) {
        for (const w of writes) {
          if ((w.value as BlockWrite).op === "blocked") await markBlocked(tx, bot.id, w.chatId, w.now);
          else await clearBlocked(tx, bot.id, w.chatId);
        }
      },
      commands: {
        send: {
          help: "/send TEMPLATE to all | label NAME | list IDS | test — a broadcast (/send help)",
          where: "general",
          async run(ctx) {
            if (!isAllowed(bot, ctx)) return say(refusal("/send"));
            const command = parseSend(ctx.args);
            switch (command.kind) {
              case "help":
                return say(sendHelp);
              case "error":
                return say(command.message);
              case "status":
                return status(ctx);
              case "control":
                return command.verb === "go" ? go(ctx, command.id) : control(ctx, command.verb, command.id);
              case "send":
                if (subcommands.has(command.request.template)) return say(sendHelp);
                return ask(ctx, command.request);
            }
          },
        },
      },
      ...(sender ? { start: () => sender.run } : {}),
    };
  },
});
