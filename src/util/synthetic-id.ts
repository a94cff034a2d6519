/**
 * Ids for updates Switchboard makes itself (intercepted messages, MTProto updates): negative,
 * so they never move the Bot API polling offset, and unique per bot across restarts because
 * they follow the clock (a thousand per millisecond before they could repeat).
 */
export function syntheticUpdateIds(clock: () => number = Date.now): () => number {
  let last = 0;
  return () => {
    // Strictly increasing in magnitude even if the clock stalls or steps back.
    last = Math.max(last + 1, clock() * 1000);
    return -last;
  };
}
