/** The router's wait for sends in flight before it gives up on a reaction's message (pairs-in-flight.ts). */
import { describe, expect, it } from "vitest";
import { Deferred, Effect } from "effect";
import { PairsInFlight } from "../../src/pipeline/delivery/pairs-in-flight.ts";

describe("PairsInFlight", () => {
  it("answers at once when nothing is in flight", async () => {
    const pairs = new PairsInFlight();
    let looks = 0;
    expect(await pairs.lookUp(async () => (looks++, undefined))).toBeUndefined();
    expect(looks).toBe(1);
  });

  it("looks again once the sends in flight when it looked have been recorded", async () => {
    const pairs = new PairsInFlight();
    const stored = new Map<number, number>();
    const answered = Effect.runSync(Deferred.make<void>());
    // A send under way: its pair is committed at the end of its delivery.
    const delivery = Effect.runPromise(pairs.track(Effect.zipRight(Deferred.await(answered), Effect.sync(() => void stored.set(7, 42)))));
    expect(pairs.size).toBe(1);
    const found = pairs.lookUp(async () => stored.get(7));
    await Effect.runPromise(Deferred.succeed(answered, undefined));
    await delivery;
    expect(await found).toBe(42);
    expect(pairs.size).toBe(0);
  });

  it("stops waiting when a send in flight fails", async () => {
    const pairs = new PairsInFlight();
    const failed = Effect.runSync(Deferred.make<void, string>());
    const delivery = Effect.runPromise(Effect.either(pairs.track(Deferred.await(failed))));
    const found = pairs.lookUp(async () => undefined as number | undefined);
    await Effect.runPromise(Deferred.fail(failed, "store down"));
    await delivery;
    expect(await found).toBeUndefined();
    expect(pairs.size).toBe(0);
  });
});
