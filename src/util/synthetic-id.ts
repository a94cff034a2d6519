/**
 * Ids for updates Switchboard makes itself (intercepted messages, MTProto updates, Topics API
 * calls): negative, so they never move the Bot API polling offset.
 *
 * A bot has one generator per instance (made in pipeline/bot.ts for the owner's proxy, MTProto
 * session and Topics API, and in cluster/front.ts for the other instances'): the inbox keeps the
 * first update with an id and drops the rest, so two generators could hand out the same id in the
 * same millisecond. Every synthetic update is therefore saved with `allFresh`, and saved again
 * under new ids when one was taken (pipeline/fresh-ids.ts).
 * Within the generator ids strictly grow in magnitude; across restarts they follow the clock
 * (a thousand per millisecond) and start beyond the most negative id the inbox still holds.
 */
export function syntheticUpdateIds(clock: () => number = Date.now, smallestStored = 0): () => number {
  let last = Math.max(0, -smallestStored);
  return () => {
    // Strictly increasing in magnitude even if the clock stalls or steps back.
    last = Math.max(last + 1, clock() * 1000);
    return -last;
  };
}
