/** What a step counts for analytics: read from the event, the states and the intents (src/pipeline/step-analytics.ts). */
import type { Message } from "@grammyjs/types";
import { describe, expect, it } from "vitest";
import type { ConversationEvent } from "../../src/conversation/events.ts";
import type { Intent } from "../../src/conversation/intents.ts";
import { analyticsOfStep, type StepFacts } from "../../src/pipeline/step-analytics.ts";

const message = (fromId: number, text = "x") => ({ message_id: 1, date: 0, chat: { id: -100, type: "supergroup", title: "" }, from: { id: fromId, is_bot: false, first_name: "O" }, text }) as Message;
const open = (status: string) => ({ state: "topic-open", status });
const facts = (event: ConversationEvent, from: StepFacts["from"], to: StepFacts["to"], intents: Intent["type"][], clock: StepFacts["clock"] = {}): StepFacts =>
  ({ chatId: 5, event, from, to, intents: intents.map((type) => ({ type }) as Intent), clock, now: 10_000 });
const kinds = (f: StepFacts) => analyticsOfStep(f).events.map((e) => [e.kind, e.actor, e.value]);

describe("analytics of a step", () => {
  it("counts an intercepted message, and a Topics API answer and close as the api's", () => {
    expect(kinds(facts({ type: "bot.intercepted", message: message(1) }, open("user_answered"), open("user_answered"), ["copyToTopic"]))).toEqual([["message_intercepted", "", undefined]]);
    const api = message(0);
    expect(kinds(facts({ type: "operator.api_text", message: api }, open("user_answered"), open("support_answered"), ["templateToUser"], { openedAt: 4_000 })))
      .toEqual([["message_out", "api", undefined], ["first_response", "api", 6_000]]);
    expect(kinds(facts({ type: "operator.command", command: { name: "close", args: "" }, message: api }, open("support_answered"), { state: "closed", status: undefined }, ["editTopic", "closeTopic"], { openedAt: 1_000, answeredAt: 2_000 })))
      .toEqual([["dialog_closed", "api", undefined], ["resolution", "api", 9_000]]);
  });

  it("gated messages count nothing; an operator's reopening is answered already; a lost topic's replacement is no new dialog", () => {
    expect(kinds(facts({ type: "user.message", message: message(5), user: { id: 5, firstName: "A" } }, open("user_answered"), open("user_answered"), []))).toEqual([]);
    const reopened = analyticsOfStep(facts({ type: "operator.message", message: message(7) }, { state: "closed", status: undefined }, open("support_answered"), ["reopenTopic", "editTopic", "copyToUser"]));
    expect(reopened.events.map((e) => [e.kind, e.actor])).toEqual([["dialog_reopened", "7"], ["message_out", "7"]]);
    expect(reopened.clock).toEqual({ openedAt: 10_000, answeredAt: 10_000 });
    expect(kinds(facts({ type: "topic.lost" }, open("support_answered"), open("support_answered"), ["createTopic"]))).toEqual([]);
  });
});
