/**
 * Two-way traffic for crash tests: users write to the bot (new users keep arriving, so topics are
 * created all along) and operators answer in the users' topics, at random moments on the real
 * clock, whether Switchboard is up or not (Telegram keeps the updates). Every text is unique and
 * names its conversation, so the tally can tell lost, duplicated and misplaced messages apart.
 */
import type { User } from "@grammyjs/types";
import type { Random } from "./random.ts";
import type { World } from "./world.ts";

/** One user and what was said in their conversation. */
export interface Person {
  user: User;
  /** Unique and not a prefix of another (`U07`): the topic title ends with it. */
  name: string;
  /** The user's texts, in the order sent. */
  said: string[];
  /** The operators' texts to this user, in the order posted. */
  answered: string[];
  /** The topic operators answer in: the last one a copy of the user's message appeared in. */
  topic?: number;
}

/** The name part of a topic title ("🟪 U07" → "U07"). */
export const nameOfTitle = (title: string) => title.slice(title.indexOf(" ") + 1);

/** The live topics of a person (one, unless something went wrong). */
export const liveTopicsOf = (w: World, name: string) => w.emulator.topics(w.groupId).filter((t) => !t.deleted && nameOfTitle(t.name) === name);

/** See the module comment. */
export class Traffic {
  readonly people: Person[] = [];
  /** Messages that appeared in the group so far (copies, notices, operators' posts). */
  groupMessages = 0;
  /** Texts sent so far, and how many of them have arrived where they belong. */
  sent = 0;
  #arrived = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #byName = new Map<string, Person>();
  readonly #w: World;
  readonly #random: Random;
  readonly #o: { maxPeople: number; everyMs: readonly [number, number] };

  constructor(w: World, random: Random, o: { maxPeople: number; everyMs: readonly [number, number] }) {
    this.#w = w;
    this.#random = random;
    this.#o = o;
    // Watching the world's changes costs the emulator nothing; reading its messages back would
    // slow it down (it runs in this process) and stretch every call Switchboard makes.
    w.emulator.onChange((e) => {
      if (e.type !== "message") return;
      const message = e.data as { text?: string; from?: { is_bot?: boolean } } | undefined;
      const text = message?.text;
      if (e.chatId !== w.groupId) {
        if (text !== undefined && message?.from?.is_bot) this.#arrived.add(text);
        return;
      }
      this.groupMessages += 1;
      if (text === undefined || !message?.from?.is_bot) return;
      this.#arrived.add(text);
      const person = this.#byName.get(text.slice(0, text.indexOf("#")));
      if (person && e.threadId !== undefined) person.topic = e.threadId;
    });
  }

  /** Whether every text sent has arrived somewhere it may belong (the tally then checks where). */
  get allArrived(): boolean {
    return this.people.every((p) => p.said.every((t) => this.#arrived.has(t)) && p.answered.every((t) => this.#arrived.has(t)));
  }

  /** A new user writes their first message (their topic is created). */
  newPerson(): Person {
    const name = `U${String(this.people.length).padStart(3, "0")}`;
    const person: Person = { user: this.#w.emulator.createUser({ firstName: name }), name, said: [], answered: [] };
    this.people.push(person);
    this.#byName.set(name, person);
    this.#userWrites(person);
    return person;
  }

  /** Starts acting every few milliseconds until `stop`. */
  start(): void {
    const tick = () => {
      this.#act();
      this.#timer = setTimeout(tick, this.#random.int(...this.#o.everyMs));
    };
    this.#timer = setTimeout(tick, 0);
  }

  stop(): void {
    clearTimeout(this.#timer);
  }

  #act(): void {
    const r = this.#random;
    if (this.people.length === 0 || (this.people.length < this.#o.maxPeople && r.chance(0.08))) {
      this.newPerson();
      return;
    }
    const person = r.pick(this.people);
    if (r.chance(0.55) || !this.#operatorAnswers(person)) this.#userWrites(person);
  }

  #userWrites(p: Person): void {
    const text = `${p.name}#${p.said.length}`;
    this.#w.emulator.userSends(this.#w.bot.token, p.user.id, { text });
    p.said.push(text);
    this.sent += 1;
  }

  /** An operator answers in the topic that shows the user's messages; false while there is none. */
  #operatorAnswers(p: Person): boolean {
    const w = this.#w;
    if (p.topic === undefined || !liveTopicsOf(w, p.name).some((t) => t.threadId === p.topic)) return false;
    const text = `${p.name}<op#${p.answered.length}`;
    w.emulator.operatorPosts(w.groupId, w.operator.id, { threadId: p.topic, text });
    p.answered.push(text);
    this.sent += 1;
    return true;
  }
}

/** What arrived where, per person. */
export interface Tally {
  /** Users with more than one live topic. */
  split: string[];
  /** Texts sent but found nowhere (the user's in their topics, the operators' at the user). */
  lost: string[];
  /** Texts that arrived more than once, with how many extra copies. */
  duplicates: Map<string, number>;
  /** People whose texts arrived out of order (first copies compared with the send order). */
  reordered: string[];
}

/** Counts copies of `texts` in `seen`; first copies must keep the order of `texts`. */
function compare(expected: readonly string[], seen: readonly string[], tally: Tally, who: string): void {
  const counts = new Map<string, number>();
  const firstSeen: string[] = [];
  const wanted = new Set(expected);
  for (const text of seen) {
    if (!wanted.has(text)) continue;
    const n = (counts.get(text) ?? 0) + 1;
    counts.set(text, n);
    if (n === 1) firstSeen.push(text);
    else tally.duplicates.set(text, n - 1);
  }
  for (const text of expected) if (!counts.has(text)) tally.lost.push(text);
  const order = expected.filter((t) => counts.has(t));
  if (order.some((t, i) => firstSeen[i] !== t)) tally.reordered.push(who);
}

/** Looks at the emulator's world: topics per user, and every text where it belongs. */
export function tally(w: World, people: readonly Person[]): Tally {
  const result: Tally = { split: [], lost: [], duplicates: new Map(), reordered: [] };
  const byThread = new Map<number, string[]>();
  for (const m of w.emulator.messages(w.groupId)) {
    if (m.message_thread_id === undefined) continue;
    const texts = byThread.get(m.message_thread_id) ?? [];
    texts.push(m.text ?? "");
    byThread.set(m.message_thread_id, texts);
  }
  for (const p of people) {
    const topics = liveTopicsOf(w, p.name);
    if (topics.length > 1) result.split.push(p.name);
    const inTopics = topics.flatMap((t) => byThread.get(t.threadId) ?? []);
    compare(p.said, inTopics, result, `${p.name} (user → topic)`);
    const atUser = w.emulator.messages(p.user.id, { token: w.bot.token }).filter((m) => m.from?.is_bot).map((m) => m.text ?? "");
    compare(p.answered, atUser, result, `${p.name} (operator → user)`);
  }
  return result;
}
