/** Reading a command webhook's answer: what is shown in the topic, what is an acknowledgement, what gets a notice. */
import { describe, expect, it } from "vitest";
import { readAnswer } from "../../plugins/webhooks/answer.ts";

describe("readAnswer", () => {
  it("reads text, parse mode, an inline keyboard and a photo by file id", () => {
    expect(readAnswer(`{"text":"Invoice sent"}`)).toEqual({ kind: "message", message: { text: "Invoice sent" } });
    const keyboard = { inline_keyboard: [[{ text: "Open", url: "https://x.example" }]] };
    expect(readAnswer(JSON.stringify({ text: "<b>x</b>", parse_mode: "HTML", reply_markup: keyboard, more: 1 }))).toEqual({
      kind: "message", message: { text: "<b>x</b>", parseMode: "HTML", replyMarkup: keyboard },
    });
    expect(readAnswer(`{"photo":"AgAD","caption":"scan"}`)).toEqual({ kind: "message", message: { text: "scan", photo: "AgAD" } });
    expect(readAnswer(`{"photo":"AgAD"}`)).toEqual({ kind: "message", message: { text: "", photo: "AgAD" } });
  });

  it("takes plain acknowledgements as no answer", () => {
    for (const body of ["", "ok", "[1]", `"done"`, `{"ok":true}`, `{"text":"  "}`]) expect(readAnswer(body)).toEqual({ kind: "none" });
  });

  it("says why an answer cannot be shown", () => {
    expect(readAnswer(`{"text":42}`).kind).toBe("invalid");
    expect(readAnswer(`{"text":"x","parse_mode":"BBCode"}`).kind).toBe("invalid");
    expect(readAnswer(JSON.stringify({ text: "x", reply_markup: { inline_keyboard: [[{ url: "no label" }]] } })).kind).toBe("invalid");
    expect(readAnswer(JSON.stringify({ text: "x".repeat(4097) }))).toEqual({ kind: "invalid", reason: "the text is longer than Telegram's 4096 characters" });
    expect(readAnswer(JSON.stringify({ photo: "AgAD", caption: "x".repeat(1025) }))).toEqual({ kind: "invalid", reason: "the caption is longer than Telegram's 1024 characters" });
  });
});
