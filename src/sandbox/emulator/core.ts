/**
 * The emulator without a transport: world + Bot API dispatch + control operations. `mod.ts`
 * puts it behind HTTP; the browser sandbox can use it directly (no `node:http` import here).
 */
import * as actors from "./actors.ts";
import { BotApi } from "./api.ts";
import { FaultBook } from "./faults.ts";
import { HoldBook } from "./holds.ts";
import * as monitored from "./monitored.ts";
import type {
  ApiResponse,
  CallbackAnswer,
  BotIdentity,
  DeletedTopicAnswer,
  EditContent,
  Emulator,
  EmulatorOptions,
  CallRecord,
  EmulatorStats,
  FaultSpec,
  Hold,
  HoldTarget,
  MessageContent,
  MessagesQuery,
  StoredMessage,
  TopicInfo,
  Update,
  User,
  WorldEvent,
} from "./types.ts";
import { clone, World, type MessageRecord } from "./world.ts";

/** An {@link Emulator} whose transport is attached later (or never, in the browser). */
export class EmulatorCore implements Emulator {
  url = "";
  readonly world: World;
  readonly api: BotApi;
  readonly faults = new FaultBook();
  readonly holds = new HoldBook();
  /** Bot API request body bytes received so far (the HTTP transport counts them). */
  bodyBytes = 0;
  private closer: (() => Promise<void>) | undefined;
  private closed = false;

  constructor(options: EmulatorOptions = {}) {
    this.world = new World({
      enforceRateLimits: options.enforceRateLimits ?? false,
      webhookRetryMs: options.webhookRetryMs ?? 200,
      // A webhook may answer with a method call; run it as that bot.
      webhookDispatch: (token) => async (method, params) => this.api.call(token, method, params),
    });
    this.api = new BotApi(this.world, this.faults, this.holds);
    if (options.recordCalls) this.api.log = [];
  }

  /** Connects a transport: its URL and how to shut it down. */
  attach(url: string, close: () => Promise<void>): void {
    this.url = url;
    this.closer = close;
  }

  /** World change stream as an EventTarget ("change" events, detail = WorldEvent). */
  get events(): EventTarget {
    return this.world.events;
  }

  createBot(o?: { token?: string; username?: string; firstName?: string }): BotIdentity {
    const b = this.world.createBot(o);
    return { id: b.id, token: b.token, username: b.username };
  }

  createUser(o?: { firstName?: string; lastName?: string; username?: string; languageCode?: string; isBot?: boolean }): User {
    return this.world.createUser(o);
  }

  createForumGroup(o: { title?: string; bots: string[]; operators?: number[] }): number {
    return this.world.createGroup(o).id;
  }

  createChat(o: { type: "group" | "channel"; title?: string; username?: string; members?: number[] }): number {
    return this.world.createChat(o).id;
  }

  addBotToChat(chatId: number, token: string, byUserId: number): void {
    monitored.addBotToChat(this.world, chatId, token, byUserId);
  }

  userJoinsGroup(chatId: number, userId: number): StoredMessage {
    return monitored.userJoinsGroup(this.world, chatId, userId);
  }

  userWritesInGroup(chatId: number, userId: number, content: MessageContent): StoredMessage {
    return monitored.userWritesInGroup(this.world, chatId, userId, content);
  }

  userWritesAlbumInGroup(chatId: number, userId: number, items: MessageContent[]): StoredMessage[] {
    return monitored.userWritesAlbumInGroup(this.world, chatId, userId, items);
  }

  channelPosts(chatId: number, byUserId: number, content: MessageContent): StoredMessage {
    return monitored.channelPosts(this.world, chatId, byUserId, content);
  }

  userSends(token: string, userId: number, content: MessageContent): StoredMessage {
    return actors.userSends(this.world, token, userId, content);
  }

  userSendsAlbum(token: string, userId: number, items: MessageContent[]): StoredMessage[] {
    return actors.userSendsAlbum(this.world, token, userId, items);
  }

  userEdits(token: string, userId: number, messageId: number, content: EditContent): StoredMessage {
    return actors.userEdits(this.world, token, userId, messageId, content);
  }

  userReacts(token: string, userId: number, messageId: number, emoji: string | null): void {
    actors.userReacts(this.world, token, userId, messageId, emoji);
  }

  userPressesButton(token: string, userId: number, messageId: number, data: string): string {
    return actors.userPressesButton(this.world, token, userId, messageId, data);
  }

  userBlocksBot(token: string, userId: number): void {
    actors.userBlocksBot(this.world, token, userId);
  }

  userUnblocksBot(token: string, userId: number): void {
    actors.userUnblocksBot(this.world, token, userId);
  }

  deactivateUser(userId: number): void {
    actors.deactivateUser(this.world, userId);
  }

  deleteUser(userId: number): void {
    actors.deleteUser(this.world, userId);
  }

  userDeletes(token: string, userId: number, messageId: number): void {
    actors.userDeletes(this.world, token, userId, messageId);
  }

  operatorPosts(groupId: number, userId: number, content: MessageContent & { threadId?: number }): StoredMessage {
    return actors.operatorPosts(this.world, groupId, userId, content);
  }

  operatorEdits(groupId: number, userId: number, messageId: number, content: EditContent): StoredMessage {
    return actors.operatorEdits(this.world, groupId, userId, messageId, content);
  }

  operatorReacts(groupId: number, userId: number, messageId: number, emoji: string | null): void {
    actors.operatorReacts(this.world, groupId, userId, messageId, emoji);
  }

  deleteTopic(groupId: number, threadId: number, o: { answer?: DeletedTopicAnswer } = {}): void {
    actors.deleteTopic(this.world, groupId, threadId, o.answer);
  }

  messages(chatId: number, o: MessagesQuery = {}): StoredMessage[] {
    let recs: MessageRecord[] = [];
    if (chatId < 0) {
      recs = [...this.world.requireGroup(chatId).messages.values()];
    } else {
      for (const chat of this.world.privateChats.values()) {
        if (chat.userId !== chatId) continue;
        if (o.token && this.world.botsById.get(chat.botId)?.token !== o.token) continue;
        recs.push(...chat.messages.values());
      }
    }
    if (o.threadId === "general") recs = recs.filter((r) => r.message.message_thread_id === undefined);
    else if (typeof o.threadId === "number") recs = recs.filter((r) => r.message.message_thread_id === o.threadId);
    return recs.sort((a, b) => a.seq - b.seq).map((r) => this.world.stored(r));
  }

  topics(groupId: number): TopicInfo[] {
    return this.world.topicInfos(this.world.requireGroup(groupId));
  }

  callbackAnswer(queryId: string): CallbackAnswer | undefined {
    const answer = this.world.callbackAnswers.get(queryId);
    return answer && { ...answer };
  }

  updatesFor(token: string): Update[] {
    return clone(this.world.requireBot(token).updates.all);
  }

  holdUpdates(token: string, hold: boolean): void {
    this.world.requireBot(token).updates.hold(hold);
  }

  injectUpdate(token: string, update: Record<string, unknown>, o: { exact?: boolean } = {}): Update {
    if (update === null || typeof update !== "object" || Array.isArray(update)) throw new Error("update must be a JSON object");
    return clone(this.world.requireBot(token).updates.pushRaw(clone(update), o));
  }

  injectFault(f: FaultSpec): void {
    if (!["429", "500", "502", "drop-before", "drop-after"].includes(f.kind)) throw new Error(`unknown fault kind ${f.kind}`);
    this.faults.add(f);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  hold(target: HoldTarget): Hold {
    return this.holds.add(target);
  }

  callLog(): readonly CallRecord[] {
    return this.api.log ?? [];
  }

  stats(): EmulatorStats {
    return { calls: { ...this.api.calls }, faultsInjected: this.faults.injected, rateLimited: this.world.rateLimited, bodyBytes: this.bodyBytes };
  }

  onChange(cb: (e: WorldEvent) => void): () => void {
    return this.world.onChange(cb);
  }

  async call(token: string, method: string, params: Record<string, unknown> = {}): Promise<ApiResponse> {
    const out = await this.api.call(token, method, params);
    if (out.kind === "drop") throw new Error("connection dropped by the emulator (injected fault)");
    return out.body;
  }

  /** A JSON snapshot of the whole world, for the control API and the browser sandbox. */
  snapshot(): unknown {
    const w = this.world;
    return {
      bots: [...w.bots.values()].map((b) => ({ id: b.id, token: b.token, username: b.username, firstName: b.firstName })),
      users: [...w.users.values()].map((u) => ({ ...clone(u.user), deactivated: u.deactivated, deleted: u.deleted })),
      groups: [...w.groups.values()].map((g) => ({
        id: g.id,
        title: g.title,
        type: g.chatType,
        bots: [...g.bots].map((id) => w.botsById.get(id)?.token),
        operators: [...g.operators],
        topics: w.topicInfos(g),
      })),
      privateChats: [...w.privateChats.values()].map((c) => ({
        token: w.botsById.get(c.botId)?.token,
        userId: c.userId,
        blocked: c.blocked,
        messageCount: c.messages.size,
      })),
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.world.close();
    await this.closer?.();
  }
}
