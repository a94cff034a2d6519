/**
 * A bot taken over starts with the stored identity only when it is the token's bot; the later
 * getMe stores and shows a changed identity, and a refusal is logged.
 */
import type { UserFromGetMe } from "@grammyjs/types";
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { recheckIdentity, sameBot } from "../../src/pipeline/stored-identity.ts";
import { captureLog } from "../support/scripted-telegram.ts";

const me = { id: 42, is_bot: true, first_name: "Acme", username: "acme_bot" } as UserFromGetMe;

describe("stored identity", () => {
  it("stands in for getMe only for the token's own bot", () => {
    expect(sameBot(me, "42:AAsecret")).toBe(me);
    expect(sameBot(me, "421:AAsecret")).toBeUndefined();
    expect(sameBot(me, "4:AAsecret")).toBeUndefined();
    expect(sameBot(undefined, "42:AAsecret")).toBeUndefined();
  });

  it("a changed identity is stored and shown; the same one writes nothing; a refusal is logged", async () => {
    const recorded: unknown[] = [];
    const record = (m: UserFromGetMe) => Effect.sync(() => void recorded.push(m));
    const view = { username: "acme_bot" };
    const { log, lines } = captureLog();
    // The running bot's own identity object: it changes in place.
    const stored = { ...me };
    await Effect.runPromise(recheckIdentity(Effect.succeed(me), stored, view, record, log));
    expect(recorded).toEqual([]);
    const renamed = { ...me, username: "acme_help_bot" };
    await Effect.runPromise(recheckIdentity(Effect.succeed(renamed), stored, view, record, log));
    expect(recorded).toEqual([renamed]);
    expect(view.username).toBe("acme_help_bot");
    expect(stored.username).toBe("acme_help_bot");
    await Effect.runPromise(recheckIdentity(Effect.fail({ message: `bot "acme": Telegram rejected the token (401 Unauthorized)` }), stored, view, record, log));
    expect(lines.join("\n")).toContain("401 Unauthorized");
  });
});
