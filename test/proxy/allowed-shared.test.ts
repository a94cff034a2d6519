/**
 * The parallel system's `allowed_updates` when proxies of several instances serve one bot
 * (telegram/proxy/allowed-updates.ts, `shared`): each reads the stored setting, so a change made
 * through one proxy and changed back through another is stored, where a copy kept in memory
 * would have taken the change back for "no change". On every engine.
 */
import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { loadAllowedUpdates } from "../../src/store/proxy-settings.ts";
import { makeAllowedUpdates } from "../../src/telegram/proxy/allowed-updates.ts";
import { storeOn, testEngines } from "../store/with-store.ts";

const asked = (...kinds: string[]) => ({ allowed_updates: JSON.stringify(kinds) });

describe.each(testEngines)("allowed_updates through two proxies on %s", (engine) => {
  it("stores a change back made through the proxy that saw the first setting", () =>
    storeOn(engine)(async ({ db }) => {
      const here = await Effect.runPromise(makeAllowedUpdates(db, "acme", true));
      const there = await Effect.runPromise(makeAllowedUpdates(db, "acme", true));
      await Effect.runPromise(here.apply(asked("message")));
      await Effect.runPromise(there.apply(asked("callback_query")));
      await Effect.runPromise(here.apply(asked("message")));
      expect(await loadAllowedUpdates(db, "acme")).toEqual(["message"]);
      expect(await Effect.runPromise(there.current)).toEqual(["message"]);

      // One proxy alone keeps its copy (no read per poll): the same sequence would be lost.
      const alone = await Effect.runPromise(makeAllowedUpdates(db, "beta"));
      const other = await Effect.runPromise(makeAllowedUpdates(db, "beta"));
      await Effect.runPromise(alone.apply(asked("message")));
      await Effect.runPromise(other.apply(asked("callback_query")));
      await Effect.runPromise(alone.apply(asked("message")));
      expect(await loadAllowedUpdates(db, "beta")).toEqual(["callback_query"]);
    }));
});
