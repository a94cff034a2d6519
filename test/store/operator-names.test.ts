/** Operators' names for analytics: stored once per change, the newest read back, on both engines. */
import { describe, expect, it } from "vitest";
import { namesToStore, noteStored, operatorNames, storeOperatorNames } from "../../src/store/operator-names.ts";
import { storeOn, testEngines } from "./with-store.ts";

describe.each(testEngines)("operator names (%s)", (engine) => {
  it("stores a name only when it is new or changed, and reads the newest per operator", () =>
    storeOn(engine)(async ({ db }) => {
      const olga = { actor: "100", name: "Olga" };
      // Twice in one batch: one write.
      expect(namesToStore(db, "acme", [olga, olga])).toEqual([olga]);
      await db.transaction().execute((tx) => storeOperatorNames(tx, "acme", [olga], 1_000));
      noteStored(db, "acme", [olga]);
      expect(namesToStore(db, "acme", [olga])).toEqual([]);
      // Another bot has its own; a new name is written over the old.
      expect(namesToStore(db, "other", [olga])).toEqual([olga]);
      const renamed = { actor: "100", name: "Olga Petrova" };
      expect(namesToStore(db, "acme", [renamed])).toEqual([renamed]);
      await db.transaction().execute((tx) => storeOperatorNames(tx, "acme", [renamed, { actor: "200", name: "Max" }], 2_000));
      expect(await operatorNames(db, ["acme"], ["100", "200", "300"])).toEqual(new Map([["100", "Olga Petrova"], ["200", "Max"]]));
      expect(await operatorNames(db, ["other"], ["100"])).toEqual(new Map());
    }));
});
