/** The emulator's HTML parse mode, like Telegram's. */
import { describe, expect, it } from "vitest";
import { parseHtml } from "../../src/sandbox/emulator/html.ts";

describe("parseHtml", () => {
  it("turns tags into entities with UTF-16 offsets and unescapes entities", () => {
    expect(parseHtml("🙂 <b>bold <i>both</i></b> &lt;x&gt; &amp;")).toEqual({
      text: "🙂 bold both <x> &",
      entities: [{ type: "bold", offset: 3, length: 9 }, { type: "italic", offset: 8, length: 4 }],
    });
  });

  it("refuses malformed markup with Telegram's error", () => {
    for (const bad of ["<b>open", "</b>", "<blink>x</blink>", "a & b", '<a>x</a>', "<b>x</i>"]) {
      expect(() => parseHtml(bad), bad).toThrow(/can't parse entities/);
    }
  });
});
