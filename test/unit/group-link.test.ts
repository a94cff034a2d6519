/** The one helper for a group id's t.me/c form, used by topic links and Hotline's topic_action. */
import { describe, expect, it } from "vitest";
import { topicLink } from "../../plugins/labels/general.ts";
import { linkGroupId } from "../../src/mod.ts";
import { concatBytes } from "../../src/util/bytes.ts";

describe("shared helpers", () => {
  it("linkGroupId drops a supergroup's -100 (and only the sign of other ids)", () => {
    expect(linkGroupId(-1001234567890)).toBe("1234567890");
    expect(linkGroupId(-4567)).toBe("4567");
    expect(topicLink(-1001234567890, 17)).toBe("https://t.me/c/1234567890/17");
  });

  it("concatBytes joins byte arrays in order", () => {
    expect(Array.from(concatBytes([new Uint8Array([1, 2]), new Uint8Array(0), new Uint8Array([3])]))).toEqual([1, 2, 3]);
  });
});
