/**
 * A stub of Telegram at the MTProto boundary, fed by the emulator: the bot's MTProto face.
 *
 * mtcute's client is real (its UpdatesManager with pts/qts bookkeeping, gap detection,
 * getDifference, catch-up, peer storage); only its RPC layer is replaced: `call()` is answered
 * by this server, and pushes are emitted on `onServerUpdate`. The server keeps Telegram's update
 * log — a common pts box for private chats, a pts box per channel, a qts box for bot-only
 * updates — so differences are answered exactly as Telegram would answer them.
 *
 * What the emulator's bot receives through the Bot API (messages, edits, reactions, blocks)
 * becomes an incoming MTProto update; every message the bot sends in a private chat through
 * the Bot API (Switchboard's or the other system's) becomes an outgoing one (`out = true`),
 * as Telegram shows a session what the account's other sessions sent.
 *
 * Faults: `immediatePushes` pushes before the Bot API call that caused it has answered,
 * `dropPushes(n)` loses the next n pushes (Telegram not delivering to an extra session),
 * `goOffline()` / `comeBack()` simulate a dropped connection (updates pile up on the server,
 * then `updatesTooLong` makes the client catch up), `shortUpdates` sends private texts as
 * `updateShortMessage` without users, as Telegram does, to exercise unknown peers.
 */
import type { Message, Update } from "@grammyjs/types";
import { Long, tl } from "@mtcute/core";
import { BaseTelegramClient, type BaseTelegramClientOptions } from "@mtcute/core/client.js";
import type { Emulator, WorldEvent } from "../../src/sandbox/emulator/mod.ts";
import type { MtprotoClientFactory } from "../../src/telegram/mtproto/session.ts";

type Box = "common" | "qts" | number;
interface Entry {
  box: Box;
  /** pts (common, channels) or qts. */
  seq: number;
  /** The common pts when it happened: a difference from before then mentions its channel. */
  commonAt: number;
  update: tl.TypeUpdate;
}

const CHANNEL_BASE = 1_000_000_000_000;
const bareChannel = (chatId: number) => -chatId - CHANNEL_BASE;
const hash = (id: number) => Long.fromNumber(id % 1_000_003 + 17);

/** See the module comment. */
export class FakeMtproto {
  /** Every RPC method called, in order (for assertions such as "no getDifference"). */
  readonly calls: string[] = [];
  /** Sessions currently connected. */
  readonly sessions = new Set<FakeClient>();
  /** How many times a session logged in with the bot token (importBotAuthorization). */
  logins = 0;
  shortUpdates = false;
  /** Push inside the Bot API call that caused it, i.e. before its HTTP answer (the echo race). */
  immediatePushes = false;
  /** How long `updates.getState` takes to answer (a slow network at the session's first start). */
  stateLatencyMs = 0;
  /** The connection is (re)established while `updates.getState` is slow: mtcute then says "connected" mid catch-up. */
  usableDuringState = false;
  #log: Entry[] = [];
  #pts = 1000;
  #qts = 50;
  #channelPts = new Map<number, number>();
  #users = new Map<number, tl.RawUser>();
  #channels = new Map<number, tl.RawChannel>();
  #drop = 0;
  #offline = false;
  readonly #stop: () => void;
  readonly #self: tl.RawUser;

  readonly emulator: Emulator;
  readonly bot: { id: number; token: string; username: string; firstName?: string };

  constructor(emulator: Emulator, bot: { id: number; token: string; username: string; firstName?: string }) {
    this.emulator = emulator;
    this.bot = bot;
    this.#self = { _: "user", id: bot.id, bot: true, self: true, accessHash: hash(bot.id), firstName: bot.firstName ?? "Bot", username: bot.username };
    this.#stop = emulator.onChange((e) => this.#observe(e));
  }

  /** The factory Switchboard's session uses instead of a real network client. */
  get factory(): MtprotoClientFactory {
    return (options) => new FakeClient(options, this);
  }

  /** Loses the next `n` pushes (they stay in the server's log, as with Telegram). */
  dropPushes(n: number): void {
    this.#drop += n;
  }

  /** The connection is gone: nothing is pushed until {@link comeBack}. */
  goOffline(): void {
    this.#offline = true;
  }

  /** Reconnects: Telegram tells the client it missed updates (`updatesTooLong`). */
  comeBack(): void {
    this.#offline = false;
    for (const s of this.sessions) s.onServerUpdate.emit({ _: "updatesTooLong" });
  }

  /** Stops observing the emulator. */
  close(): void {
    this.#stop();
  }

  /** Answers one RPC (called by {@link FakeClient}). */
  answer(client: FakeClient, m: tl.TlObject & { _: string }): unknown {
    this.calls.push(m._);
    switch (m._) {
      case "users.getUsers":
        if (!client.authorized) throw new tl.RpcError(401, "AUTH_KEY_UNREGISTERED");
        return [this.#self];
      case "auth.importBotAuthorization": {
        const r = m as tl.auth.RawImportBotAuthorizationRequest;
        if (r.botAuthToken !== this.bot.token) throw new tl.RpcError(400, "ACCESS_TOKEN_INVALID");
        if (r.apiHash.length !== 32) throw new tl.RpcError(400, "API_ID_INVALID");
        client.authorized = true;
        this.logins++;
        return { _: "auth.authorization", user: this.#self };
      }
      case "updates.getState":
        return this.#state();
      case "updates.getDifference":
        return this.#difference(m as tl.updates.RawGetDifferenceRequest);
      case "updates.getChannelDifference":
        return this.#channelDifference(m as tl.updates.RawGetChannelDifferenceRequest);
      case "help.getConfig":
      case "help.getAppConfig":
        throw new tl.RpcError(400, "NOT_EMULATED");
      default:
        throw new tl.RpcError(400, `METHOD_NOT_EMULATED_${m._}`);
    }
  }

  #state(): tl.updates.RawState {
    return { _: "updates.state", pts: this.#pts, qts: this.#qts, date: now(), seq: 0, unreadCount: 0 };
  }

  #difference(r: tl.updates.RawGetDifferenceRequest): tl.updates.TypeDifference {
    const common = this.#log.filter((e) => e.box === "common" && e.seq > r.pts);
    const qts = this.#log.filter((e) => e.box === "qts" && e.seq > (r.qts ?? 0));
    // As Telegram does, channels with news are only named; the client asks each for its own difference.
    const channels = new Set(this.#log.flatMap((e) => (typeof e.box === "number" && e.commonAt >= r.pts ? [e.box] : [])));
    if (common.length === 0 && qts.length === 0 && channels.size === 0) return { _: "updates.differenceEmpty", date: now(), seq: 0 };
    const newMessages = common.flatMap((e) => (e.update._ === "updateNewMessage" ? [e.update.message] : []));
    const otherUpdates: tl.TypeUpdate[] = [
      ...[...common.filter((e) => e.update._ !== "updateNewMessage"), ...qts].map((e) => e.update),
      ...[...channels].map((channelId): tl.TypeUpdate => ({ _: "updateChannelTooLong", channelId })),
    ];
    return {
      _: "updates.difference", newMessages, newEncryptedMessages: [], otherUpdates,
      users: [...this.#users.values(), this.#self], chats: [...this.#channels.values()], state: this.#state(),
    };
  }

  #channelDifference(r: tl.updates.RawGetChannelDifferenceRequest): tl.updates.TypeChannelDifference {
    const channelId = (r.channel as tl.RawInputChannel).channelId;
    const pts = this.#channelPts.get(channelId) ?? 1;
    const entries = this.#log.filter((e) => e.box === channelId && e.seq > r.pts);
    if (entries.length === 0) return { _: "updates.channelDifferenceEmpty", final: true, pts };
    return {
      _: "updates.channelDifference", final: true, pts,
      newMessages: entries.flatMap((e) => (e.update._ === "updateNewChannelMessage" ? [e.update.message] : [])),
      otherUpdates: entries.filter((e) => e.update._ !== "updateNewChannelMessage").map((e) => e.update),
      users: [...this.#users.values(), this.#self], chats: [...this.#channels.values()],
    };
  }

  // ---- the emulator's events → the server's log and pushes -----------------------------

  #observe(e: WorldEvent): void {
    if (e.type === "update" && e.token === this.bot.token) this.#incoming(e.data as Update);
    // The bot's own sends and edits in private chats (the Bot API never reports them as updates).
    const own = (e.data as Message | undefined)?.from?.id === this.bot.id && (e.data as Message).chat.type === "private";
    if (own && e.type === "message") this.#message(e.data as Message, false);
    if (own && e.type === "edit") this.#message(e.data as Message, true);
  }

  #incoming(u: Update): void {
    if (u.message) this.#message(u.message, false);
    else if (u.edited_message) this.#message(u.edited_message, true);
    else if (u.message_reaction) {
      const r = u.message_reaction;
      const emoji = (list: typeof r.new_reaction) => list.flatMap((x) => (x.type === "emoji" ? [{ _: "reactionEmoji" as const, emoticon: x.emoji }] : []));
      this.#qtsUpdate({
        _: "updateBotMessageReaction", peer: this.#peer(r.chat), msgId: r.message_id, date: r.date,
        actor: { _: "peerUser", userId: r.user!.id }, oldReactions: emoji(r.old_reaction), newReactions: emoji(r.new_reaction), qts: 0,
      }, r.user);
    } else if (u.my_chat_member && u.my_chat_member.chat.type === "private") {
      const m = u.my_chat_member;
      this.#qtsUpdate({ _: "updateBotStopped", userId: m.from.id, date: m.date, stopped: m.new_chat_member.status === "kicked", qts: 0 }, m.from);
    }
  }

  #message(m: Message, edited: boolean): void {
    if (m.from) this.#user(m.from);
    const raw = this.#toTl(m);
    if (m.chat.type === "private") {
      const pts = ++this.#pts;
      const update: tl.TypeUpdate = edited ? { _: "updateEditMessage", message: raw, pts, ptsCount: 1 } : { _: "updateNewMessage", message: raw, pts, ptsCount: 1 };
      this.#log.push({ box: "common", seq: pts, update, commonAt: pts });
      if (this.shortUpdates && !edited && !raw.media && !raw.replyTo && !raw.replyMarkup && !raw.entities) {
        this.#push({ _: "updateShortMessage", out: raw.out, id: raw.id, userId: m.chat.id, message: raw.message, pts, ptsCount: 1, date: raw.date });
      } else this.#push({ _: "updates", updates: [update], users: this.#usersOf(m), chats: [], date: now(), seq: 0 });
      return;
    }
    const channelId = bareChannel(m.chat.id);
    this.#channel(m.chat);
    const pts = (this.#channelPts.get(channelId) ?? 1) + 1;
    this.#channelPts.set(channelId, pts);
    const update: tl.TypeUpdate = edited
      ? { _: "updateEditChannelMessage", message: raw, pts, ptsCount: 1 }
      : { _: "updateNewChannelMessage", message: raw, pts, ptsCount: 1 };
    this.#log.push({ box: channelId, seq: pts, update, commonAt: this.#pts });
    this.#push({ _: "updates", updates: [update], users: this.#usersOf(m), chats: [this.#channels.get(channelId)!], date: now(), seq: 0 });
  }

  #qtsUpdate(update: tl.RawUpdateBotMessageReaction | tl.RawUpdateBotStopped, user: Message["from"]): void {
    if (user) this.#user(user);
    update.qts = ++this.#qts;
    this.#log.push({ box: "qts", seq: update.qts, update, commonAt: this.#pts });
    this.#push({ _: "updates", updates: [update], users: user ? [this.#users.get(user.id)!] : [], chats: [...this.#channels.values()], date: now(), seq: 0 });
  }

  #push(updates: tl.TypeUpdates): void {
    if (this.#offline) return;
    if (this.#drop > 0) {
      this.#drop--;
      return;
    }
    const send = () => {
      for (const s of this.sessions) s.onServerUpdate.emit(updates);
    };
    if (this.immediatePushes) send();
    else setTimeout(send, 1);
  }

  #user(u: NonNullable<Message["from"]>): void {
    if (u.id === this.bot.id) return;
    this.#users.set(u.id, {
      _: "user", id: u.id, accessHash: hash(u.id), firstName: u.first_name, ...(u.last_name ? { lastName: u.last_name } : {}),
      ...(u.username ? { username: u.username } : {}), ...(u.is_bot ? { bot: true } : {}), ...(u.language_code ? { langCode: u.language_code } : {}),
    });
  }

  #channel(chat: Message["chat"]): void {
    const id = bareChannel(chat.id);
    if (this.#channels.has(id)) return;
    this.#channels.set(id, {
      _: "channel", id, accessHash: hash(id), title: "title" in chat ? chat.title ?? "" : "", megagroup: true, forum: true,
      date: now(), photo: { _: "chatPhotoEmpty" },
    } as tl.RawChannel);
  }

  #usersOf(m: Message): tl.TypeUser[] {
    const ids = [m.from?.id, m.chat.type === "private" ? m.chat.id : undefined].filter((x): x is number => x !== undefined);
    return [...new Set(ids)].flatMap((id) => (id === this.bot.id ? [this.#self] : this.#users.has(id) ? [this.#users.get(id)!] : []));
  }

  #peer(chat: Message["chat"]): tl.TypePeer {
    return chat.type === "private" ? { _: "peerUser", userId: chat.id } : { _: "peerChannel", channelId: bareChannel(chat.id) };
  }

  /** A Bot API message as Telegram's MTProto layer has it. */
  #toTl(m: Message): tl.RawMessage {
    const out = m.from?.id === this.bot.id;
    const raw: tl.RawMessage = { _: "message", id: m.message_id, peerId: this.#peer(m.chat), date: m.date, message: m.text ?? m.caption ?? "" };
    if (out) raw.out = true;
    if (m.chat.type !== "private" && m.from) raw.fromId = { _: "peerUser", userId: m.from.id };
    if (m.edit_date) raw.editDate = m.edit_date;
    if (m.has_protected_content) raw.noforwards = true;
    if (m.media_group_id) raw.groupedId = Long.fromString(m.media_group_id);
    const entities = (m.entities ?? m.caption_entities ?? []).flatMap(entityToTl);
    if (entities.length) raw.entities = entities;
    const replyTo = m.reply_to_message?.message_id;
    if (m.is_topic_message && m.message_thread_id !== undefined) {
      const realReply = replyTo !== undefined && replyTo !== m.message_thread_id;
      raw.replyTo = { _: "messageReplyHeader", forumTopic: true, replyToMsgId: realReply ? replyTo : m.message_thread_id, ...(realReply ? { replyToTopId: m.message_thread_id } : {}) };
    } else if (replyTo !== undefined) raw.replyTo = { _: "messageReplyHeader", replyToMsgId: replyTo };
    const media = mediaToTl(m);
    if (media) raw.media = media;
    const markup = (m.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string; url?: string }>> } | undefined)?.inline_keyboard;
    if (markup) {
      raw.replyMarkup = {
        _: "replyInlineMarkup",
        rows: markup.map((row) => ({
          _: "keyboardButtonRow",
          buttons: row.map((b) => (b.url ? { _: "keyboardButtonUrl", text: b.text, url: b.url } : { _: "keyboardButtonCallback", text: b.text, data: new TextEncoder().encode(b.callback_data ?? "") })),
        })),
      } as tl.RawReplyInlineMarkup;
    }
    return raw;
  }
}

const now = () => Math.floor(Date.now() / 1000);

const ENTITY_TO_TL: Record<string, string> = {
  bold: "messageEntityBold", italic: "messageEntityItalic", underline: "messageEntityUnderline", strikethrough: "messageEntityStrike",
  spoiler: "messageEntitySpoiler", code: "messageEntityCode", url: "messageEntityUrl", mention: "messageEntityMention",
  bot_command: "messageEntityBotCommand", hashtag: "messageEntityHashtag", email: "messageEntityEmail",
};

function entityToTl(e: NonNullable<Message["entities"]>[number]): tl.TypeMessageEntity[] {
  const at = { offset: e.offset, length: e.length };
  if (e.type === "text_link") return [{ _: "messageEntityTextUrl", ...at, url: e.url }];
  if (e.type === "pre") return [{ _: "messageEntityPre", ...at, language: e.language ?? "" }];
  const name = ENTITY_TO_TL[e.type];
  return name ? [{ _: name, ...at } as tl.TypeMessageEntity] : [];
}

/** Photos and documents as TL media (other kinds travel as documents: only the kind matters here). */
function mediaToTl(m: Message): tl.TypeMessageMedia | undefined {
  const id = Long.fromNumber(m.message_id * 1000 + 7);
  const common = { id, accessHash: Long.fromNumber(99), fileReference: new Uint8Array([1, 2, 3]), date: m.date, dcId: 2 };
  if (m.photo) {
    const biggest = m.photo[m.photo.length - 1];
    return { _: "messageMediaPhoto", photo: { _: "photo", ...common, sizes: [{ _: "photoSize", type: "x", w: biggest.width, h: biggest.height, size: biggest.file_size ?? 1000 }] } };
  }
  const file = m.document ?? m.video ?? m.audio ?? m.voice ?? m.sticker ?? m.animation ?? m.video_note;
  if (!file) return undefined;
  const attributes: tl.TypeDocumentAttribute[] = [];
  const name = (file as { file_name?: string }).file_name;
  if (name) attributes.push({ _: "documentAttributeFilename", fileName: name });
  if (m.voice) attributes.push({ _: "documentAttributeAudio", voice: true, duration: m.voice.duration });
  return {
    _: "messageMediaDocument",
    document: { _: "document", ...common, mimeType: (file as { mime_type?: string }).mime_type ?? "application/octet-stream", size: file.file_size ?? 1000, attributes },
  };
}

/** mtcute's real client with the network replaced by {@link FakeMtproto}. */
export class FakeClient extends BaseTelegramClient {
  authorized = false;
  #checked = false;

  readonly server: FakeMtproto;

  constructor(options: BaseTelegramClientOptions, server: FakeMtproto) {
    // No sockets: every RPC is answered in `call`, so the transport must never be used.
    super({ ...options, transport: { connect: () => Promise.reject(new Error("offline stub")), packetCodec: () => { throw new Error("offline stub"); } } });
    this.server = server;
    this.mt.call = (async (m: { _: string }) => {
      // Logging in refreshes the DC config; an empty one keeps the stored DCs.
      if (m._ === "help.getConfig") return { _: "config", date: now(), expires: now() + 3600, thisDc: 2, dcOptions: [] };
      throw new tl.RpcError(400, `NETWORK_STUB_${m._}`);
    }) as never;
  }

  override async call(message: tl.RpcMethod): Promise<any> {
    if (!this.#checked) {
      // A stored session (our SQL storage) is already logged in, as with a real auth key.
      this.#checked = true;
      this.authorized = (await this.params.storage.kv.get("current_user")) !== null;
    }
    if (message._ === "updates.getState" && this.server.stateLatencyMs > 0) {
      if (this.server.usableDuringState) setTimeout(() => this.mt.onUsable.emit(), this.server.stateLatencyMs / 5);
      await new Promise((resolve) => setTimeout(resolve, this.server.stateLatencyMs));
    }
    const result = await Promise.resolve().then(() => this.server.answer(this, message as never));
    // The real client stores every peer of every answer; updates rely on that.
    await this.storage.peers.updatePeersFrom(result as tl.TlObject);
    if (message._ === "users.getUsers" || message._ === "auth.importBotAuthorization") this.server.sessions.add(this);
    return result;
  }

  override async destroy(): Promise<void> {
    this.server.sessions.delete(this);
    await super.destroy();
  }
}
