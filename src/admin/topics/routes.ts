/**
 * The Topics API's routes on the admin listener (token-protected, JSON):
 *
 * - `GET  /api/bots/{bot}/dialogs` — the open dialogs, longest wait first;
 * - `GET  /api/bots/{bot}/users/{user}` and `…/topics/{thread}` — one dialog (Hotline's `info_by_topic` fields);
 * - `POST …/{users|topics}/{id}/incoming | messages | close | reopen | labels` — the writing calls (write.ts);
 * - `POST /webhook/topic_action` (and `/api/topic_action`) — Hotline's call, `{ "action": "info_by_topic", … }`.
 *
 * docs/topics-api.md is the guide, docs/topics-api.openapi.yaml the contract.
 */
import * as HttpServerResponse from "@effect/platform/HttpServerResponse";
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest";
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import { dialogOfTopic, openDialogs } from "../../store/dialogs.ts";
import { linkGroupId } from "../../telegram/group-link.ts";
import { query } from "../../store/store.ts";
import type { AdminContext } from "../context.ts";
import type { AdminRoute } from "../router.ts";
import { bodyText, decodeBody, TopicActionBody } from "./body.ts";
import { answerErrors, fail } from "./errors.ts";
import { idempotent } from "./idempotency.ts";
import { dialogInfo, dialogStatusOf } from "./info.ts";
import { type ApiBot, botNamed, type DialogAddress, dialogAt } from "./resolve.ts";
import { write, type WriteAction, writeActions } from "./write.ts";

const dialogsPath = /^\/api\/bots\/([^/]+)\/dialogs$/;
const dialogPath = /^\/api\/bots\/([^/]+)\/(users|topics)\/(-?\d{1,16})$/;
const actionPath = new RegExp(`^/api/bots/([^/]+)/(users|topics)/(-?\\d{1,16})/(${writeActions.join("|")})$`);

const pathOf = (request: HttpServerRequest.HttpServerRequest) => request.url.split("?")[0];
const searchOf = (request: HttpServerRequest.HttpServerRequest) => new URLSearchParams(request.url.split("?")[1] ?? "");
const addressOf = (by: string, id: string): DialogAddress => ({ by: by as DialogAddress["by"], id: Number(id) });
const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status });
const now = Clock.currentTimeMillis;

/** The open dialogs of a bot; `?status=user_answered` keeps the waiting ones. */
const listDialogs = (ctx: AdminContext) => (request: HttpServerRequest.HttpServerRequest) =>
  answerErrors(Effect.gen(function* () {
    const [, botId] = dialogsPath.exec(pathOf(request))!;
    const bot = yield* botNamed(ctx, botId);
    const status = searchOf(request).get("status");
    if (status !== null && status !== "user_answered" && status !== "support_answered") return yield* fail(400, "status is user_answered or support_answered");
    const at = yield* now;
    const rows = yield* query("read the open dialogs", () => openDialogs(ctx.db, bot.config.id));
    const dialogs = rows
      .filter((r) => status === null || dialogStatusOf(r.state, (r.snapshot as { value: unknown }).value) === status)
      .map((r) => dialogInfo(bot.running, bot.config, r, at))
      // Longest wait first; answered dialogs after the waiting ones, most recent change first.
      .sort((a, b) => (b.wait_seconds ?? -1) - (a.wait_seconds ?? -1) || (b.topic_last_date ?? "").localeCompare(a.topic_last_date ?? ""));
    return json({ bot: bot.config.id, count: dialogs.length, dialogs });
  }));

/** One dialog, by user or by topic. */
const showDialog = (ctx: AdminContext) => (request: HttpServerRequest.HttpServerRequest) =>
  answerErrors(Effect.gen(function* () {
    const [, botId, by, id] = dialogPath.exec(pathOf(request))!;
    const bot = yield* botNamed(ctx, botId);
    const row = yield* dialogAt(ctx, bot, addressOf(by, id));
    return json(dialogInfo(bot.running, bot.config, row, yield* now));
  }));

/** A writing call, under its Idempotency-Key. */
const writeDialog = (ctx: AdminContext) => (request: HttpServerRequest.HttpServerRequest) =>
  answerErrors(Effect.gen(function* () {
    const path = pathOf(request);
    const [, botId, by, id, action] = actionPath.exec(path)!;
    const bot = yield* botNamed(ctx, botId);
    const text = yield* bodyText(request);
    const key = request.headers["idempotency-key"];
    return yield* idempotent(ctx.db, bot.config.id, key, `POST ${path}\n${text}`, (remember) => write(ctx, bot, addressOf(by, id), action as WriteAction, text, remember));
  }));

/** The t.me/c/… form of a group id (without -100) and the Bot API's, for matching either. */
const sameGroup = (group: number, given: number) => group === given || linkGroupId(group) === String(given);

/** Hotline's `POST topic_action` with `action: info_by_topic` (the one call its documentation shows in full). */
const topicAction = (ctx: AdminContext) => (request: HttpServerRequest.HttpServerRequest) =>
  answerErrors(Effect.gen(function* () {
    const body = yield* decodeBody(TopicActionBody, yield* bodyText(request), "ignore");
    if (body.action !== "info_by_topic") {
      return yield* fail(400, `action "${body.action}" is not supported here: topic_action answers info_by_topic; the other calls are under /api/bots/{bot}/ (docs/topics-api.md)`);
    }
    if (body.topic_id === undefined) return yield* fail(400, "topic_id is required");
    const topicId = body.topic_id;
    const candidates = body.instance !== undefined
      ? ctx.bots.filter((b) => b.id === String(body.instance))
      : body.group_id !== undefined
      ? ctx.bots.filter((b) => sameGroup(b.group, body.group_id!))
      : ctx.bots.length === 1 ? ctx.bots : [];
    if (candidates.length === 0) {
      return yield* fail(body.instance === undefined && body.group_id === undefined ? 400 : 404, body.instance === undefined && body.group_id === undefined ? "name the group_id or the instance (bot id)" : "no bot for that instance or group");
    }
    for (const config of candidates) {
      const bot: ApiBot = yield* botNamed(ctx, config.id);
      const row = yield* query("read a dialog", () => dialogOfTopic(ctx.db, config.id, topicId));
      if (row !== undefined) return json(dialogInfo(bot.running, bot.config, row, yield* now));
    }
    return yield* fail(404, `no dialog in topic ${topicId}`);
  }));

/** Every route of the Topics API. */
export const topicsRoutes = (ctx: AdminContext): AdminRoute[] => [
  { method: "GET", path: dialogsPath, handler: listDialogs(ctx) },
  { method: "GET", path: dialogPath, handler: showDialog(ctx) },
  { method: "POST", path: actionPath, handler: writeDialog(ctx) },
  { method: "POST", path: "/webhook/topic_action", handler: topicAction(ctx) },
  { method: "POST", path: "/api/topic_action", handler: topicAction(ctx) },
];
