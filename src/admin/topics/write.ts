/**
 * The Topics API's writing calls. Each becomes one or more synthetic inbox updates
 * (pipeline/api-updates.ts): durable once answered, stepped in order with everything else, and
 * turned by the router into what a user or an operator would have caused — so a posted "user"
 * message opens a topic when needed, an operator's text goes out through the outbox and shows in
 * the topic, and close / reopen / labels are the operators' own commands (`/close`, `/hold`,
 * `/mark`), to which the machine and the plugins react as always. The answer is 202: queued.
 */
import * as Clock from "effect/Clock";
import * as Effect from "effect/Effect";
import type { StoredSnapshot } from "../../conversation/step.ts";
import { type ApiAction, apiUpdate } from "../../pipeline/api-updates.ts";
import { withFreshIds } from "../../pipeline/fresh-ids.ts";
import type { DialogRow } from "../../store/dialogs.ts";
import type { AdminContext } from "../context.ts";
import { decodeBody, EmptyBody, IncomingBody, LabelsBody, MessageBody } from "./body.ts";
import { type ApiError, fail } from "./errors.ts";
import type { Answer, Remember } from "./idempotency.ts";
import { type ApiBot, type DialogAddress, dialogAt, findDialog } from "./resolve.ts";

/** The writing calls, by the last path segment. */
export const writeActions = ["incoming", "messages", "close", "reopen", "labels"] as const;

/** One writing call. */
export type WriteAction = (typeof writeActions)[number];

/**
 * Puts `actions` into the bot's inbox in order, in one transaction with the answer's idempotency
 * key (all or nothing), with ids from the bot's synthetic-id generator (one per bot and instance;
 * an id another instance took meanwhile makes it try again with new ones); answers 202 with the ids.
 */
const enqueue = (bot: ApiBot, remember: Remember, chatId: number, topicId: number | null, actions: readonly ApiAction[]) =>
  withFreshIds(bot.running.nextUpdateId, actions.length, (ids) =>
    Effect.gen(function* () {
      const answer: Answer = { status: 202, body: { status: "queued", bot: bot.config.id, chat_id: chatId, thread_id: topicId, update_ids: ids } };
      const alsoWrite = remember(answer);
      // allFresh: with several instances another one may have handed out one of these ids meanwhile.
      const saved = yield* bot.running.inbox.accept(actions.map((action, i) => apiUpdate(ids[i], action)), { source: "api", allFresh: true, ...(alsoWrite ? { alsoWrite } : {}) });
      if (saved !== actions.length) return yield* fail(503, "the inbox did not take the update; try again");
      return answer;
    }));

/** The dialog, which must be in one of `states` (409 otherwise, saying which it is in). */
const dialogIn = (ctx: AdminContext, bot: ApiBot, address: DialogAddress, states: readonly string[], what: string) =>
  Effect.flatMap(dialogAt(ctx, bot, address), (row): Effect.Effect<DialogRow, ApiError> =>
    states.includes(row.state) ? Effect.succeed(row) : fail(409, `${what}: the dialog is ${row.state === "topic-open" ? "open" : row.state}`)
  );

/**
 * Runs the writing call `action` on the dialog at `address` with the request body `text`; the
 * answer's idempotency key (if any) is stored through `remember` with the call's updates.
 */
export const write = (ctx: AdminContext, bot: ApiBot, address: DialogAddress, action: WriteAction, text: string, remember: Remember) =>
  Effect.gen(function* () {
    const date = Math.floor((yield* Clock.currentTimeMillis) / 1000);
    const command = (row: DialogRow, name: string, args = ""): ApiAction => ({ chat_id: row.chatId, action: "command", date, name, args, ...(row.topicId !== null ? { topic_id: row.topicId } : {}) });
    switch (action) {
      case "incoming": {
        const body = yield* decodeBody(IncomingBody, text);
        const row = address.by === "topics" ? yield* dialogAt(ctx, bot, address) : yield* findDialog(ctx, bot, address);
        const chatId = row?.chatId ?? address.id;
        if (chatId <= 0) return yield* fail(400, "messages can be posted only into private dialogs (a user id, not a group or channel)");
        if (row?.state === "banned") return yield* fail(409, "the message was not posted: the user is banned");
        // The profile the dialog has, with what the caller adds: the step replaces the stored one with it.
        const known = (row?.snapshot as StoredSnapshot | undefined)?.context.user;
        const user = {
          first_name: body.user?.first_name ?? known?.firstName ?? `User ${chatId}`,
          ...(body.user?.last_name ?? known?.lastName ? { last_name: body.user?.last_name ?? known?.lastName } : {}),
          ...(body.user?.username ?? known?.username ? { username: body.user?.username ?? known?.username } : {}),
          ...(body.user?.language_code ?? known?.languageCode ? { language_code: body.user?.language_code ?? known?.languageCode } : {}),
        };
        return yield* enqueue(bot, remember, chatId, row?.topicId ?? null, [{ chat_id: chatId, action: "user_message", date, text: body.text, user }]);
      }
      case "messages": {
        const body = yield* decodeBody(MessageBody, text);
        const row = yield* dialogIn(ctx, bot, address, ["topic-open", "closed"], "the message was not sent");
        return yield* enqueue(bot, remember, row.chatId, row.topicId, [{ chat_id: row.chatId, action: "operator_text", date, text: body.text, ...(row.topicId !== null ? { topic_id: row.topicId } : {}) }]);
      }
      case "close": {
        yield* decodeBody(EmptyBody, text);
        const row = yield* dialogIn(ctx, bot, address, ["topic-open"], "not closed");
        return yield* enqueue(bot, remember, row.chatId, row.topicId, [command(row, "close")]);
      }
      case "reopen": {
        yield* decodeBody(EmptyBody, text);
        // `/hold` reopens a closed dialog as 🟪: it needs an operator's attention again.
        const row = yield* dialogIn(ctx, bot, address, ["closed"], "not reopened");
        return yield* enqueue(bot, remember, row.chatId, row.topicId, [command(row, "hold")]);
      }
      case "labels": {
        const body = yield* decodeBody(LabelsBody, text);
        const row = yield* dialogIn(ctx, bot, address, ["topic-open", "closed", "banned"], "labels not changed");
        const actions = [...body.add.map((l) => command(row, "mark", l)), ...body.remove.map((l) => command(row, "mark", `del ${l}`))];
        return yield* enqueue(bot, remember, row.chatId, row.topicId, actions);
      }
    }
  });
