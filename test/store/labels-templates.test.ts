/**
 * The labels and templates plugins' tables on every engine: their migrations, queries by label,
 * the commit-time writes, renames, and chat and message ids beyond 2^31.
 */
import { describe, expect, it } from "vitest";
import { applyWrites, chatsWith, createLabel, getLabel, labelsOfChat, listWithCounts, renameLabel, updateLabel } from "../../plugins/labels/store.ts";
import { deleteSaved, findSaved, listSaved, saveTemplate } from "../../plugins/templates/store.ts";
import { migratePlugins } from "../../src/plugins/load.ts";
import { storeOn, testEngines } from "./with-store.ts";

const big = 7_000_000_001; // a user id beyond 2^32
const group = -1_001_234_567_890;

describe.each(testEngines)("labels and templates tables on %s", (engine) => {
  it("labels: create, write assignments in a transaction, query by label, rename, properties", () =>
    storeOn(engine)(async ({ db }) => {
      await migratePlugins(db);
      expect(await createLabel(db, "acme", "Lead", 1)).toBe(true);
      expect(await createLabel(db, "acme", "lead", 2)).toBe(false);
      await db.transaction().execute((tx) =>
        applyWrites(tx, "acme", [
          { chatId: big, now: 10, value: { op: "set", topicId: 5, add: ["lead"], remove: [] } },
          { chatId: 42, now: 11, value: { op: "set", topicId: 6, add: ["vip"], remove: [], create: { key: "vip", name: "VIP" } } },
          { chatId: 42, now: 12, value: { op: "set", topicId: 6, add: ["lead"], remove: ["vip"] } },
          { chatId: big, now: 13, value: { op: "topic", topicId: 9 } },
        ])
      );
      expect(await chatsWith(db, "acme", "lead")).toEqual([{ chatId: big, topicId: 9 }, { chatId: 42, topicId: 6 }]);
      expect(await labelsOfChat(db, "acme", 42)).toEqual(["lead"]);
      expect((await listWithCounts(db, "acme")).map((l) => [l.label.name, l.count])).toEqual([["Lead", 2], ["VIP", 0]]);
      await updateLabel(db, "acme", "vip", { after: ["lead"], sends: "offer", ticker: "⭐" });
      await renameLabel(db, "acme", "lead", "Prospect");
      expect(await getLabel(db, "acme", "lead")).toBeUndefined();
      expect(await getLabel(db, "acme", "vip")).toEqual({ key: "vip", name: "VIP", after: ["prospect"], sends: "offer", ticker: "⭐" });
      expect(await labelsOfChat(db, "acme", big)).toEqual(["prospect"]);
      expect(await listWithCounts(db, "other")).toEqual([]);
    }));

  it("templates: save, replace, list, delete", () =>
    storeOn(engine)(async ({ db }) => {
      await migratePlugins(db);
      await saveTemplate(db, "acme", { name: "Offer", sourceChatId: group, messageIds: [3_000_000_000, 3_000_000_001], savedBy: big, savedAt: 1 });
      await saveTemplate(db, "acme", { name: "offer", sourceChatId: group, messageIds: [7], savedBy: null, savedAt: 2 });
      expect(await findSaved(db, "acme", "offer")).toEqual({ name: "offer", sourceChatId: group, messageIds: [7], savedBy: null, savedAt: 2 });
      expect((await listSaved(db, "acme")).length).toBe(1);
      expect(await deleteSaved(db, "acme", "offer")).toBe(true);
      expect(await deleteSaved(db, "acme", "offer")).toBe(false);
    }));
});
