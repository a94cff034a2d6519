/**
 * Control API over HTTP, for tests in other processes and the browser sandbox. Every route
 * mirrors a method of {@link Emulator}; bodies and answers are JSON. Answers are
 * `{ "ok": true, "result": … }` or, on misuse, status 400 with `{ "ok": false, "error": "…" }`.
 *
 * | route | body / query | result |
 * |---|---|---|
 * | `GET  /control/state` | – | snapshot: bots, users, groups (with topics), private chats |
 * | `POST /control/bots` | `{ token?, username?, firstName? }` | `{ id, token, username }` |
 * | `POST /control/users` | `{ firstName?, lastName?, username?, languageCode?, isBot? }` | User |
 * | `POST /control/groups` | `{ title?, bots: [token], operators?: [userId] }` | `{ id }` |
 * | `POST /control/chats` | `{ type: "group" \| "channel", title?, username?, members?: [userId] }` | `{ id }` |
 * | `POST /control/addBotToChat` | `{ chatId, token, byUserId }` | true |
 * | `POST /control/userJoinsGroup` | `{ chatId, userId }` | StoredMessage (service message) |
 * | `POST /control/userWritesInGroup` | `{ chatId, userId, content }` | StoredMessage |
 * | `POST /control/userWritesAlbumInGroup` | `{ chatId, userId, items: [content] }` | StoredMessage[] |
 * | `POST /control/channelPosts` | `{ chatId, byUserId, content }` | StoredMessage |
 * | `POST /control/userSends` | `{ token, userId, content }` | StoredMessage |
 * | `POST /control/userSendsAlbum` | `{ token, userId, items: [content] }` | StoredMessage[] |
 * | `POST /control/userEdits` | `{ token, userId, messageId, content: { text?, caption? } }` | StoredMessage |
 * | `POST /control/userReacts` | `{ token, userId, messageId, emoji \| null }` | true |
 * | `POST /control/userPressesButton` | `{ token, userId, messageId, data }` | `{ id }` (callback query id) |
 * | `POST /control/userBlocksBot` | `{ token, userId }` | true |
 * | `POST /control/userUnblocksBot` | `{ token, userId }` | true |
 * | `POST /control/deactivateUser` | `{ userId }` | true |
 * | `POST /control/deleteUser` | `{ userId }` | true |
 * | `POST /control/userDeletes` | `{ token, userId, messageId }` | true |
 * | `POST /control/operatorPosts` | `{ groupId, userId, content: { …, threadId? } }` | StoredMessage |
 * | `POST /control/operatorEdits` | `{ groupId, userId, messageId, content }` | StoredMessage |
 * | `POST /control/operatorReacts` | `{ groupId, userId, messageId, emoji \| null }` | true |
 * | `POST /control/deleteTopic` | `{ groupId, threadId, answer? }` (`answer: "topic-deleted"`: later sends fail `TOPIC_DELETED`) | true |
 * | `GET  /control/messages` | `?chatId=&threadId=(number\|general)&token=` | StoredMessage[] |
 * | `GET  /control/topics` | `?groupId=` | TopicInfo[] |
 * | `GET  /control/updates` | `?token=` | Update[] (every update ever generated for the bot) |
 * | `GET  /control/callbackAnswer` | `?id=` | `{ text?, show_alert? }`, or null while the button still spins |
 * | `POST /control/holdUpdates` | `{ token, hold }` | true (updates held back while `hold`) |
 * | `POST /control/injectUpdate` | `{ token, update, exact? }` | the update queued exactly as given (a broken server's); see `Emulator.injectUpdate` |
 * | `POST /control/faults` | FaultSpec | true |
 * | `DELETE /control/faults` (or `POST /control/faults/clear`) | – | true |
 * | `GET  /control/stats` | – | `{ calls, faultsInjected, rateLimited, bodyBytes }` |
 * | `GET  /control/events` | – | Server-Sent Events stream: one `data: WorldEvent` per change |
 */
import type { Emulator, FaultSpec, MessageContent, WorldEvent } from "./types.ts";

/** A control answer. */
export interface ControlAnswer {
  status: number;
  body: unknown;
}

/** The emulator surface the control routes need (the Emulator plus a state snapshot). */
export type ControlTarget = Emulator & { snapshot(): unknown };

// deno-lint-ignore no-explicit-any
type Body = Record<string, any>;

const num = (v: unknown): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`expected a number, got ${JSON.stringify(v)}`);
  return n;
};

/** Route table: "VERB /path" -> handler(body or query). */
const routes: Record<string, (emu: ControlTarget, b: Body, q: URLSearchParams) => unknown> = {
  "GET /state": (emu) => emu.snapshot(),
  "POST /bots": (emu, b) => emu.createBot(b),
  "POST /users": (emu, b) => emu.createUser(b),
  "POST /groups": (emu, b) => ({ id: emu.createForumGroup({ title: b.title, bots: b.bots ?? [], operators: b.operators }) }),
  "POST /chats": (emu, b) => ({ id: emu.createChat({ type: b.type === "channel" ? "channel" : "group", title: b.title, username: b.username, members: b.members }) }),
  "POST /addBotToChat": (emu, b) => (emu.addBotToChat(num(b.chatId), String(b.token), num(b.byUserId)), true),
  "POST /userJoinsGroup": (emu, b) => emu.userJoinsGroup(num(b.chatId), num(b.userId)),
  "POST /userWritesInGroup": (emu, b) => emu.userWritesInGroup(num(b.chatId), num(b.userId), b.content ?? {}),
  "POST /userWritesAlbumInGroup": (emu, b) => emu.userWritesAlbumInGroup(num(b.chatId), num(b.userId), b.items as MessageContent[]),
  "POST /channelPosts": (emu, b) => emu.channelPosts(num(b.chatId), num(b.byUserId), b.content ?? {}),
  "POST /userSends": (emu, b) => emu.userSends(b.token, num(b.userId), b.content as MessageContent),
  "POST /userSendsAlbum": (emu, b) => emu.userSendsAlbum(b.token, num(b.userId), b.items as MessageContent[]),
  "POST /userEdits": (emu, b) => emu.userEdits(b.token, num(b.userId), num(b.messageId), b.content ?? {}),
  "POST /userReacts": (emu, b) => (emu.userReacts(b.token, num(b.userId), num(b.messageId), b.emoji ?? null), true),
  "POST /userPressesButton": (emu, b) => ({ id: emu.userPressesButton(b.token, num(b.userId), num(b.messageId), String(b.data ?? "")) }),
  "POST /userBlocksBot": (emu, b) => (emu.userBlocksBot(b.token, num(b.userId)), true),
  "POST /userUnblocksBot": (emu, b) => (emu.userUnblocksBot(b.token, num(b.userId)), true),
  "POST /deactivateUser": (emu, b) => (emu.deactivateUser(num(b.userId)), true),
  "POST /deleteUser": (emu, b) => (emu.deleteUser(num(b.userId)), true),
  "POST /userDeletes": (emu, b) => (emu.userDeletes(b.token, num(b.userId), num(b.messageId)), true),
  "POST /operatorPosts": (emu, b) => emu.operatorPosts(num(b.groupId), num(b.userId), b.content ?? {}),
  "POST /operatorEdits": (emu, b) => emu.operatorEdits(num(b.groupId), num(b.userId), num(b.messageId), b.content ?? {}),
  "POST /operatorReacts": (emu, b) => (emu.operatorReacts(num(b.groupId), num(b.userId), num(b.messageId), b.emoji ?? null), true),
  "POST /deleteTopic": (emu, b) =>
    (emu.deleteTopic(num(b.groupId), num(b.threadId), b.answer === "topic-deleted" ? { answer: "topic-deleted" } : {}), true),
  "GET /messages": (emu, _b, q) => {
    const t = q.get("threadId");
    const token = q.get("token");
    return emu.messages(num(q.get("chatId")), {
      ...(t ? { threadId: t === "general" ? "general" : num(t) } : {}),
      ...(token ? { token } : {}),
    });
  },
  "GET /topics": (emu, _b, q) => emu.topics(num(q.get("groupId"))),
  "GET /updates": (emu, _b, q) => emu.updatesFor(q.get("token") ?? ""),
  "GET /callbackAnswer": (emu, _b, q) => emu.callbackAnswer(q.get("id") ?? "") ?? null,
  "POST /holdUpdates": (emu, b) => (emu.holdUpdates(b.token, b.hold === true), true),
  "POST /injectUpdate": (emu, b) => emu.injectUpdate(b.token, b.update, { exact: b.exact === true }),
  "POST /faults": (emu, b) => (emu.injectFault(b as FaultSpec), true),
  "DELETE /faults": (emu) => (emu.clearFaults(), true),
  "POST /faults/clear": (emu) => (emu.clearFaults(), true),
  "GET /stats": (emu) => emu.stats(),
};

/** True for the Server-Sent Events route, which the transport streams itself. */
export function isEventsRoute(verb: string, path: string): boolean {
  return verb === "GET" && path === "/control/events";
}

/** Formats a world event as one SSE frame. */
export function sseFrame(e: WorldEvent): string {
  return `event: change\ndata: ${JSON.stringify(e)}\n\n`;
}

/** Handles a control request (path starting with /control). */
export function handleControl(emu: ControlTarget, verb: string, path: string, query: URLSearchParams, rawBody: string): ControlAnswer {
  const route = routes[`${verb} ${path.replace(/^\/control/, "").replace(/\/$/, "")}`];
  if (!route) return { status: 404, body: { ok: false, error: `no control route ${verb} ${path}` } };
  try {
    const body = rawBody ? (JSON.parse(rawBody) as Body) : {};
    return { status: 200, body: { ok: true, result: route(emu, body, query) } };
  } catch (err) {
    return { status: 400, body: { ok: false, error: err instanceof Error ? err.message : String(err) } };
  }
}
