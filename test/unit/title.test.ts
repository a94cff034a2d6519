/** Topic titles as Telegram keeps them: at most 128 characters, no trailing blanks. */
import { describe, expect, it } from "vitest";
import { topicTitle } from "../../src/conversation/title.ts";

describe("topic titles", () => {
  const user = { id: 1, firstName: "Ann" };
  it("drop trailing blanks, also those the 128-character cut leaves", () => {
    expect(topicTitle("user_answered", user, () => "Ann   ")).toBe("🟪 Ann");
    // "🟪 " is 2 code points, so the cut at 128 ends on the blank after the x's: it goes.
    const title = topicTitle("user_answered", user, () => `${"x".repeat(125)} yz and more`);
    expect(title).toBe(`🟪 ${"x".repeat(125)}`);
    expect(title.endsWith(" ")).toBe(false);
  });
});
