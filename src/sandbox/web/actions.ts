/**
 * What the page can do, as JSON routes under `/api/`: act as a user or as the operator, inject
 * faults, apply a config, play the demo. Every route answers `{ ok: true, result }`, or 400 with
 * `{ ok: false, error }` (and `problems` for a rejected config).
 *
 * | route | body | result |
 * |---|---|---|
 * | `GET  /api/state` | – | the page's snapshot (`PageSnapshot`, types.ts) |
 * | `POST /api/users` | `{ firstName?, lastName? }` | UserView |
 * | `POST /api/user/send` | `{ userId, text?, sample?, replyTo? }` (sample = a sample photo id; text is its caption) | StoredMessage |
 * | `POST /api/user/edit` | `{ userId, messageId, text }` (the caption of a photo) | StoredMessage |
 * | `POST /api/user/react` | `{ userId, messageId, emoji \| null }` | true |
 * | `POST /api/user/press` | `{ userId, messageId, data }` (an inline button's callback data) | callback query id |
 * | `POST /api/user/block` | `{ userId, blocked }` | true |
 * | `POST /api/operator/send` | `{ threadId?, text, replyTo? }` (no threadId = General) | StoredMessage |
 * | `POST /api/operator/edit` | `{ messageId, text }` | StoredMessage |
 * | `POST /api/operator/react` | `{ messageId, emoji \| null }` | true |
 * | `POST /api/faults` | `{ kind: "429" \| "5xx" \| "delete-topic" \| "clear", userId? }` | a sentence saying what happened |
 * | `POST /api/config` | `{ yaml }` | true, or 400 with `problems` |
 * | `POST /api/demo` | – | true (started) or false (one is playing) |
 */
import type { StoredMessage } from "../emulator/mod.ts";
import { playDemo } from "../demo.ts";
import type { SandboxSession } from "./session.ts";
import { usersOf } from "./world-view.ts";

/** An answer of a route. */
export interface ActionAnswer {
  status: number;
  body: { ok: true; result: unknown } | { ok: false; error: string; problems?: string[] };
}

// deno-lint-ignore no-explicit-any
type Body = Record<string, any>;
type Route = (s: SandboxSession, b: Body) => unknown;

/** A config Apply refused, with its problems. */
class Rejected extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super("the configuration was not applied");
    this.problems = problems;
  }
}

const num = (v: unknown, what: string): number => {
  const n = Number(v);
  if (v === undefined || v === null || v === "" || !Number.isFinite(n)) throw new Error(`${what}: expected a number, got ${JSON.stringify(v)}`);
  return n;
};

const FIRST_NAMES = ["Ben", "Chloe", "Dmitri", "Esra", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi", "Luca", "Mei"];
const LAST_NAMES = ["Carter", "Novak", "Silva", "Kaya", "Haddad", "Okafor", "Tanaka", "Moreau", "Berg", "Adeyemi", "Rossi", "Chen"];

/** A name nobody in the sandbox has yet. */
function freshName(s: SandboxSession): { firstName: string; lastName: string } {
  const taken = new Set(usersOf(s.core, s.cast).map((u) => u.firstName));
  const i = FIRST_NAMES.findIndex((n) => !taken.has(n));
  const k = i >= 0 ? i : Math.floor(Math.random() * FIRST_NAMES.length);
  return { firstName: FIRST_NAMES[k], lastName: LAST_NAMES[k] };
}

function findMessage(s: SandboxSession, chatId: number, messageId: number): StoredMessage {
  const m = s.core.messages(chatId, chatId > 0 ? { token: s.bot.token } : {}).find((x) => x.message_id === messageId);
  if (!m) throw new Error(`message ${messageId} not found`);
  return m;
}

/** A text edit applies to the text, or to the caption of a media message. */
const editOf = (m: StoredMessage, text: string) => (m.text !== undefined ? { text } : { caption: text });

const routes: Record<string, Route> = {
  "GET /api/state": (s) => s.snapshot(),
  "POST /api/users": (s, b) => {
    const name = b.firstName ? { firstName: String(b.firstName), lastName: b.lastName ? String(b.lastName) : undefined } : freshName(s);
    const user = s.core.createUser(name);
    return usersOf(s.core, s.cast).find((u) => u.id === user.id);
  },
  "POST /api/user/send": (s, b) => {
    const userId = num(b.userId, "userId");
    const replyTo = b.replyTo ? { replyToMessageId: num(b.replyTo, "replyTo") } : {};
    if (b.sample) {
      const sample = s.samples.find((x) => x.id === b.sample);
      if (!sample) throw new Error(`no sample photo "${b.sample}"`);
      return s.core.userSends(s.bot.token, userId, { photo: sample.fileId, ...(b.text ? { caption: String(b.text) } : {}), ...replyTo });
    }
    if (!b.text) throw new Error("text: a message needs text or a sample photo");
    return s.core.userSends(s.bot.token, userId, { text: String(b.text), ...replyTo });
  },
  "POST /api/user/edit": (s, b) => {
    const userId = num(b.userId, "userId");
    const messageId = num(b.messageId, "messageId");
    return s.core.userEdits(s.bot.token, userId, messageId, editOf(findMessage(s, userId, messageId), String(b.text ?? "")));
  },
  "POST /api/user/react": (s, b) => (s.core.userReacts(s.bot.token, num(b.userId, "userId"), num(b.messageId, "messageId"), b.emoji ?? null), true),
  "POST /api/user/press": (s, b) => s.core.userPressesButton(s.bot.token, num(b.userId, "userId"), num(b.messageId, "messageId"), String(b.data ?? "")),
  "POST /api/user/block": (s, b) => {
    const userId = num(b.userId, "userId");
    if (b.blocked) s.core.userBlocksBot(s.bot.token, userId);
    else s.core.userUnblocksBot(s.bot.token, userId);
    return true;
  },
  "POST /api/operator/send": (s, b) => {
    if (!b.text) throw new Error("text: the message is empty");
    return s.core.operatorPosts(s.groupId, s.operator.id, {
      text: String(b.text),
      ...(b.threadId ? { threadId: num(b.threadId, "threadId") } : {}),
      ...(b.replyTo ? { replyToMessageId: num(b.replyTo, "replyTo") } : {}),
    });
  },
  "POST /api/operator/edit": (s, b) => {
    const messageId = num(b.messageId, "messageId");
    return s.core.operatorEdits(s.groupId, s.operator.id, messageId, editOf(findMessage(s, s.groupId, messageId), String(b.text ?? "")));
  },
  "POST /api/operator/react": (s, b) => (s.core.operatorReacts(s.groupId, s.operator.id, num(b.messageId, "messageId"), b.emoji ?? null), true),
  "POST /api/faults": (s, b) => injectFault(s, String(b.kind), b.userId),
  "POST /api/config": async (s, b) => {
    const applied = await s.apply(String(b.yaml ?? ""));
    if (!applied.ok) throw new Rejected(applied.problems);
    return true;
  },
  "POST /api/demo": (s) => {
    if (s.demoPlaying) return false;
    void playDemo(s).catch((e) => s.log.error("the demo stopped", { error: String(e) }));
    return true;
  },
};

/** Arms a fault in the emulator and says what will happen. */
async function injectFault(s: SandboxSession, kind: string, userId: unknown): Promise<string> {
  switch (kind) {
    case "429":
      s.core.injectFault({ kind: "429", times: 4, retryAfter: 2 });
      s.faultsArmed(4);
      return "The next 4 Bot API calls get 429 Too Many Requests (retry after 2 s).";
    case "5xx":
      s.core.injectFault({ kind: "502", times: 3 });
      s.core.injectFault({ kind: "500", times: 2 });
      s.faultsArmed(5);
      return "The next 5 Bot API calls fail with 502 / 500.";
    case "delete-topic": {
      const chatId = num(userId, "userId");
      const topicId = s.conversations.get(chatId)?.topicId;
      const topic = topicId ? s.core.topics(s.groupId).find((t) => t.threadId === topicId && !t.deleted) : undefined;
      if (!topic) throw new Error("this user has no topic to delete yet");
      s.core.deleteTopic(s.groupId, topic.threadId);
      return `Topic "${topic.name}" was deleted. The user's next message opens a new one.`;
    }
    case "clear":
      s.clearFaults();
      return "Armed faults were cleared.";
    default:
      throw new Error(`unknown fault "${kind}"`);
  }
}

/** Handles a request under /api/ (except the event stream). */
export async function handleAction(s: SandboxSession, verb: string, path: string, rawBody: string): Promise<ActionAnswer> {
  const route = routes[`${verb} ${path.replace(/\/$/, "")}`];
  if (!route) return { status: 404, body: { ok: false, error: `no route ${verb} ${path}` } };
  try {
    const body = rawBody ? (JSON.parse(rawBody) as Body) : {};
    return { status: 200, body: { ok: true, result: await route(s, body) } };
  } catch (error) {
    const problems = error instanceof Rejected ? { problems: error.problems } : {};
    return { status: 400, body: { ok: false, error: error instanceof Error ? error.message : String(error), ...problems } };
  }
}
