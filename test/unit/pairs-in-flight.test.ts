/** The router's wait for sends in flight before it gives up on a reaction's message (pairs-in-flight.ts). */
import { describe, expect, it } from "vitest";
import { Deferred, Effect } from "effect";
import { type Flying, PairsInFlight } from "../../src/pipeline/delivery/pairs-in-flight.ts";

/** A delivery as a lane runs one: in flight from its start until it ends, whichever way. */
const tracked = <A, E>(pairs: PairsInFlight, known: readonly number[], delivery: (flying: Flying) => Effect.Effect<A, E>) =>
  Effect.suspend(() => {
    const flying = pairs.begin(known);
    return Effect.ensuring(delivery(flying), Effect.sync(() => flying.end()));
  });

/** A delivery that hangs until `release`, then answers with `pairs` of chat 42 and records them in `stored`. */
function hangingDelivery(pairs: PairsInFlight, o: { known?: number[]; topicMessageId: number; stored: Map<number, number> }) {
  const answer = Effect.runSync(Deferred.make<void>());
  const commit = Effect.runSync(Deferred.make<void>());
  const done = Effect.runPromise(tracked(pairs, o.known ?? [], (flying) =>
    Effect.gen(function* () {
      yield* Deferred.await(answer);
      flying.answered(42, [{ userMessageId: 1, topicMessageId: o.topicMessageId }]);
      yield* Deferred.await(commit);
      o.stored.set(o.topicMessageId, 42);
    })));
  return {
    done,
    answer: () => Effect.runPromise(Deferred.succeed(answer, undefined)),
    commit: () => Effect.runPromise(Deferred.succeed(commit, undefined)),
  };
}

describe("PairsInFlight", () => {
  it("answers at once when nothing is in flight", async () => {
    const pairs = new PairsInFlight();
    let looks = 0;
    expect(await pairs.lookUp(7, async () => (looks++, undefined))).toBeUndefined();
    expect(looks).toBe(1);
  });

  it("looks again once the sends in flight when it looked have been recorded", async () => {
    const pairs = new PairsInFlight();
    const stored = new Map<number, number>();
    const answered = Effect.runSync(Deferred.make<void>());
    // A send under way that answers nothing early: its pair is committed at the end of its delivery.
    const delivery = Effect.runPromise(tracked(pairs, [], () => Effect.zipRight(Deferred.await(answered), Effect.sync(() => void stored.set(7, 42)))));
    expect(pairs.size).toBe(1);
    const found = pairs.lookUp(7, async () => stored.get(7));
    await Effect.runPromise(Deferred.succeed(answered, undefined));
    await delivery;
    expect(await found).toBe(42);
    expect(pairs.size).toBe(0);
  });

  it("finds a copy as soon as Telegram answered, before its pair is committed", async () => {
    const pairs = new PairsInFlight();
    const stored = new Map<number, number>();
    const send = hangingDelivery(pairs, { topicMessageId: 7, stored });
    const found = pairs.lookUp(7, async () => stored.get(7));
    await send.answer();
    expect(await found).toBe(42);
    expect(stored.has(7)).toBe(false);
    await send.commit();
    await send.done;
  });

  it("does not wait for a send in flight that cannot have made the message: it began after the message was seen", async () => {
    const pairs = new PairsInFlight();
    const stored = new Map<number, number>();
    pairs.seen(5); // a colleague's note in a topic, routed earlier
    const send = hangingDelivery(pairs, { topicMessageId: 9, stored });
    // Resolves while the unrelated send still hangs (without the check it waited for the send
    // to be answered): the lookup settles within the current turn, the answer comes in a later one.
    const order: string[] = [];
    const found = pairs.lookUp(5, async () => stored.get(5)).then((chat) => (order.push("looked up"), chat));
    await new Promise((resolve) => setTimeout(resolve, 0));
    order.push("answered");
    await send.answer();
    expect(await found).toBeUndefined();
    expect(order).toEqual(["looked up", "answered"]);
    await send.commit();
    await send.done;
  });

  it("waits for a copy to the user that pairs the reacted (older) operator message", async () => {
    const pairs = new PairsInFlight();
    const stored = new Map<number, number>();
    pairs.seen(9);
    const send = hangingDelivery(pairs, { known: [5], topicMessageId: 5, stored });
    const found = pairs.lookUp(5, async () => stored.get(5));
    await send.answer();
    expect(await found).toBe(42);
    await send.commit();
    await send.done;
  });

  it("stops waiting when a send in flight fails", async () => {
    const pairs = new PairsInFlight();
    const failed = Effect.runSync(Deferred.make<void, string>());
    const delivery = Effect.runPromise(Effect.either(tracked(pairs, [], () => Deferred.await(failed))));
    const found = pairs.lookUp(7, async () => undefined as number | undefined);
    await Effect.runPromise(Deferred.fail(failed, "store down"));
    await delivery;
    expect(await found).toBeUndefined();
    expect(pairs.size).toBe(0);
  });
});
