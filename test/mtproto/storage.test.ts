/**
 * mtcute's session storage on our SQL store (real SQLite files): the repository contracts
 * mtcute relies on (after its own conformance suites, which cannot be installed here), two bots
 * side by side, and the rule that the update state is saved only after the inbox has caught up.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openStore } from "../../src/store/open.ts";
import { sqlMtprotoStorage } from "../../src/telegram/mtproto/storage.ts";
import { tempDir } from "../support/world.ts";

const bytes = (...b: number[]) => new Uint8Array(b);
const newDb = () => openStore(`sqlite:${join(tempDir(), "mt.db")}`);

describe("MTProto session storage", () => {
  it("keeps key/value facts per bot", async () => {
    const db = await newDb();
    const a = sqlMtprotoStorage(db, "a");
    const b = sqlMtprotoStorage(db, "b");
    await a.kv.set("dc_main", bytes(1, 2, 3));
    await b.kv.set("dc_main", bytes(9));
    expect(await a.kv.get("dc_main")).toEqual(bytes(1, 2, 3));
    expect(await b.kv.get("dc_main")).toEqual(bytes(9));
    await a.kv.set("dc_main", bytes(4));
    expect(await a.kv.get("dc_main")).toEqual(bytes(4));
    await a.kv.delete("dc_main");
    expect(await a.kv.get("dc_main")).toBeNull();
    await b.kv.deleteAll();
    expect(await b.kv.get("dc_main")).toBeNull();
    expect(await a.kv.get("missing")).toBeNull();
  });

  it("keeps permanent and temporary auth keys, with expiry", async () => {
    const db = await newDb();
    const s = sqlMtprotoStorage(db, "a");
    const other = sqlMtprotoStorage(db, "b");
    await s.authKeys.set(2, bytes(1, 1));
    await s.authKeys.setTemp(2, 0, bytes(2, 2), 1_000);
    await s.authKeys.setTemp(2, 1, bytes(3, 3), 5_000);
    expect(await s.authKeys.get(2)).toEqual(bytes(1, 1));
    expect(await other.authKeys.get(2)).toBeNull();
    expect(await s.authKeys.getTemp(2, 0, 500)).toEqual(bytes(2, 2));
    expect(await s.authKeys.getTemp(2, 0, 1_500)).toBeNull(); // expired
    expect(await s.authKeys.getTemp(2, 1, 1_500)).toEqual(bytes(3, 3));
    await s.authKeys.setTemp(2, 1, null, 0);
    expect(await s.authKeys.getTemp(2, 1, 0)).toBeNull();
    await s.authKeys.set(4, bytes(4));
    await s.authKeys.deleteByDc(2);
    expect(await s.authKeys.get(2)).toBeNull();
    expect(await s.authKeys.get(4)).toEqual(bytes(4));
    await s.authKeys.deleteAll();
    expect(await s.authKeys.get(4)).toBeNull();
  });

  it("finds peers by id, username and phone; min peers only by id", async () => {
    const db = await newDb();
    const s = sqlMtprotoStorage(db, "a");
    const peer = { id: 42, accessHash: "123456789", isMin: false, usernames: ["Alice", "alice_alt"], updated: 100, phone: "79990001122", complete: bytes(7, 7) };
    await s.peers.store(peer);
    await s.peers.store({ id: 43, accessHash: "1", isMin: true, usernames: ["bob"], updated: 100, complete: bytes(8) });
    expect(await s.peers.getById(42)).toEqual({ ...peer, usernames: ["alice", "alice_alt"] });
    expect((await s.peers.getByUsername("ALICE_ALT"))?.id).toBe(42);
    expect((await s.peers.getByPhone("79990001122"))?.id).toBe(42);
    expect(await s.peers.getByUsername("bob")).toBeNull();
    expect((await s.peers.getById(43))?.isMin).toBe(true);
    expect(await sqlMtprotoStorage(db, "b").peers.getById(42)).toBeNull();
    await s.peers.store({ ...peer, accessHash: "999", usernames: [] });
    expect((await s.peers.getById(42))?.accessHash).toBe("999");
    expect(await s.peers.getByUsername("alice")).toBeNull();
    await s.peers.deleteAll();
    expect(await s.peers.getById(43)).toBeNull();
  });

  it("saves the update state only after the inbox has caught up", async () => {
    const db = await newDb();
    let release!: () => void;
    const inboxCaughtUp = new Promise<void>((r) => (release = r));
    const s = sqlMtprotoStorage(db, "a", () => inboxCaughtUp);
    await s.kv.set("updates_pts", bytes(0, 0, 0, 5));
    await s.kv.set("dc_main", bytes(1)); // not update state: written at once
    expect(await s.kv.get("updates_pts")).toEqual(bytes(0, 0, 0, 5)); // the session reads its own writes
    const fresh = () => sqlMtprotoStorage(db, "a"); // what a restart would read
    expect(await fresh().kv.get("updates_pts")).toBeNull();
    expect(await fresh().kv.get("dc_main")).toEqual(bytes(1));

    const saving = s.driver.save!();
    await s.kv.set("updates_pts", bytes(0, 0, 0, 6)); // a later write waits for the next save
    await new Promise((r) => setTimeout(r, 20));
    expect(await fresh().kv.get("updates_pts")).toBeNull();
    release();
    await saving;
    expect(await fresh().kv.get("updates_pts")).toEqual(bytes(0, 0, 0, 5));
    expect(s.pendingState.get("updates_pts")).toEqual(bytes(0, 0, 0, 6));
    await s.driver.save!();
    expect(await fresh().kv.get("updates_pts")).toEqual(bytes(0, 0, 0, 6));
    expect(s.pendingState.size).toBe(0);
  });
});
