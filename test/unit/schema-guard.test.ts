/**
 * The compiled guard (src/util/schema-guard.ts) answers exactly as `Schema.is` does: on valid
 * updates of every kind Switchboard reads, on each of them with any one field replaced by a
 * value of another type or removed, and on arbitrary seeded values. A schema node it does not
 * know makes building the guard throw.
 */
import * as Schema from "effect/Schema";
import { describe, expect, it } from "vitest";
import { OwnUpdate, TelegramUpdate } from "../../src/telegram/update-schema.ts";
import { compileGuard } from "../../src/util/schema-guard.ts";
import { seeded } from "../support/malformed-updates.ts";

const ann = { id: 7001, is_bot: false, first_name: "Ann", last_name: "A", username: "ann", language_code: "en" };
const chat = { id: -1001000000001, type: "supergroup", title: "Ops", username: "ops" };
const message = {
  message_id: 90, date: 1_700_000_000, chat, from: ann, sender_chat: chat, message_thread_id: 12, is_topic_message: true,
  reply_to_message: { message_id: 12 }, text: "answer", caption: "c", entities: [{ type: "bold", offset: 0, length: 5 }],
  caption_entities: [{ type: "bold", offset: 0, length: 1 }], media_group_id: "g", has_protected_content: false,
  reply_markup: { inline_keyboard: [[{ text: "a" }]], keyboard: [["x", { text: "y" }]] }, forum_topic_created: { name: "Ann" },
  via_bot: { id: 5, is_bot: true, first_name: "Inline" }, is_automatic_forward: false,
};
const valid: unknown[] = [
  { update_id: 1, message },
  { update_id: 2, edited_message: message, channel_post: message, edited_channel_post: message },
  { update_id: 3, message_reaction: { chat, message_id: 5, user: ann, new_reaction: [{ type: "emoji", emoji: "👍" }, { type: "custom_emoji" }] } },
  { update_id: 4, my_chat_member: { chat, old_chat_member: { status: "member" }, new_chat_member: { status: "kicked" } } },
  { update_id: -5, switchboard_intercepted: { chat_id: 7001, message, edited: true } },
  { update_id: -6, switchboard_api: { chat_id: 7001, action: "command", date: 1, text: "t", name: "n", args: "a", topic_id: 3, user: { first_name: "A", last_name: "B", username: "u", language_code: "en" } } },
  { update_id: 7, some_future_kind: { anything: true } },
];

const odd: unknown[] = [null, undefined, true, false, "1", "", 1, 0, -1, 1.5, 2 ** 60, Number.NaN, {}, [], [1], ["x"], [{}], { id: 1 }];

/** Every copy of `value` with one field (at any depth) replaced by each odd value, or removed. */
function mutations(value: unknown): unknown[] {
  if (value === null || typeof value !== "object") return odd;
  const out: unknown[] = [];
  for (const key of Object.keys(value)) {
    const child = (value as Record<string, unknown>)[key];
    for (const replaced of mutations(child)) {
      out.push(Array.isArray(value) ? value.map((v, i) => (String(i) === key ? replaced : v)) : { ...value, [key]: replaced });
    }
    if (!Array.isArray(value)) {
      const { [key]: _, ...without } = value as Record<string, unknown>;
      out.push(without);
    }
  }
  return out;
}

/** A seeded arbitrary value: mostly objects with the keys an update has, at any depth. */
function arbitrary(random: () => number, depth = 0): unknown {
  const keys = ["update_id", "message", "chat", "id", "type", "from", "text", "entities", "offset", "length", "message_id", "date", "is_bot", "first_name", "new_reaction", "switchboard_api", "chat_id", "action"];
  const pick = random();
  if (depth > 4 || pick < 0.35) return odd[Math.floor(random() * odd.length)];
  if (pick < 0.45) return Array.from({ length: Math.floor(random() * 3) }, () => arbitrary(random, depth + 1));
  const o: Record<string, unknown> = {};
  for (let n = Math.floor(random() * 5); n > 0; n--) o[keys[Math.floor(random() * keys.length)]] = arbitrary(random, depth + 1);
  if (depth === 0 && random() < 0.7) o.update_id = Math.floor(random() * 20) - 10;
  return o;
}

describe("compileGuard", () => {
  type Check = (u: unknown) => boolean;
  const pairs: (readonly [guard: Check, is: Check])[] = [
    [compileGuard(TelegramUpdate), Schema.is(TelegramUpdate)],
    [compileGuard(OwnUpdate), Schema.is(OwnUpdate)],
  ];

  it("answers as Schema.is on valid updates and every one-field change of them", () => {
    let accepted = 0;
    let refused = 0;
    for (const [guard, is] of pairs) {
      for (const update of valid) {
        for (const candidate of [update, ...mutations(update)]) {
          const expected = is(candidate);
          expect(guard(candidate), JSON.stringify(candidate)).toBe(expected);
          if (expected) accepted++;
          else refused++;
        }
      }
    }
    // Both answers were exercised, many times.
    expect(accepted).toBeGreaterThan(100);
    expect(refused).toBeGreaterThan(1000);
  });

  it("answers as Schema.is on arbitrary seeded values", () => {
    const random = seeded(20261202);
    for (let i = 0; i < 20_000; i++) {
      const candidate = arbitrary(random);
      for (const [guard, is] of pairs) expect(guard(candidate)).toBe(is(candidate));
    }
  });

  it("refuses to compile a schema node it does not know, rather than check it differently", () => {
    expect(() => compileGuard(Schema.Record({ key: Schema.String, value: Schema.Number }))).toThrow(/index signatures/);
    expect(() => compileGuard(Schema.Tuple(Schema.String))).toThrow(/tuples/);
    expect(() => compileGuard(Schema.Date)).toThrow(/not supported/);
  });
});
