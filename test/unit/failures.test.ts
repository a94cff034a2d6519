/** The failure table: what a Telegram failure means for an intent. */
import { describe, expect, it } from "vitest";
import { classifyFailure } from "../../src/pipeline/delivery/failures.ts";
import { BadRequest } from "../../src/telegram/errors.ts";

const ctx = { chatId: 7, groupId: -1001 };

describe("failure table", () => {
  it("an edit Telegram had already applied (resent after a crash or a lost answer) is done, not dropped", () => {
    for (const description of ["Bad Request: TOPIC_NOT_MODIFIED", "Bad Request: message is not modified: specified new message content is the same"]) {
      const outcome = classifyFailure({ type: "editTopic", name: "🟨 Ann" }, new BadRequest({ method: "editForumTopic", code: 400, description }), ctx);
      expect(outcome.kind, description).toBe("done");
    }
  });
});
