/** Durable timers on every storage engine (a fresh store per test). */
import { describe, expect, it } from "vitest";
import { applyTimerEffects, deleteTimerIfUnchanged, dueTimers } from "../../src/store/timers.ts";
import { storeOn, testEngines } from "./with-store.ts";

describe.each(testEngines)("timers on %s", (engine) => {
  const withStore = storeOn(engine);
  it("sets, moves and clears timers; other effects are ignored", () =>
    withStore(async ({ db }) => {
      await applyTimerEffects(db, "b", 1, [{ type: "setTimer", kind: "autoclose", dueAt: 500 }, { type: "setData", plugin: "p" } as { type: string }]);
      await applyTimerEffects(db, "b", 2, [{ type: "setTimer", kind: "autoclose", dueAt: 300 }, { type: "setTimer", kind: "remind", dueAt: 900 }]);
      await applyTimerEffects(db, "b", 1, [{ type: "setTimer", kind: "autoclose", dueAt: 400 }]);
      expect(await dueTimers(db, "b", 450)).toEqual([{ chatId: 2, kind: "autoclose", dueAt: 300 }, { chatId: 1, kind: "autoclose", dueAt: 400 }]);
      await applyTimerEffects(db, "b", 2, [{ type: "clearTimer", kind: "autoclose" }]);
      expect(await dueTimers(db, "b", 1_000)).toEqual([{ chatId: 1, kind: "autoclose", dueAt: 400 }, { chatId: 2, kind: "remind", dueAt: 900 }]);
      expect(await dueTimers(db, "b", 1_000, 1)).toHaveLength(1);
    }));

  it("removes a fired timer only if it was not set again meanwhile", () =>
    withStore(async ({ db }) => {
      await applyTimerEffects(db, "b", 1, [{ type: "setTimer", kind: "autoclose", dueAt: 100 }]);
      const [fired] = await dueTimers(db, "b", 100);
      await applyTimerEffects(db, "b", 1, [{ type: "setTimer", kind: "autoclose", dueAt: 200 }]);
      await deleteTimerIfUnchanged(db, "b", fired!);
      expect(await dueTimers(db, "b", 1_000)).toEqual([{ chatId: 1, kind: "autoclose", dueAt: 200 }]);
      await deleteTimerIfUnchanged(db, "b", { chatId: 1, kind: "autoclose", dueAt: 200 });
      expect(await dueTimers(db, "b", 1_000)).toEqual([]);
    }));
});
