/**
 * The real clock, for waits that are about the network or other processes (a call's deadline,
 * lease statements, reconnecting, a bot's first poll): they run on real time even where the
 * pipeline runs on a TestClock (`Effect.withClock(realClock)`), so a test moving the pipeline's
 * time by hours does not cut a request in flight.
 */
import * as Clock from "effect/Clock";

/** See the module comment. */
export const realClock: Clock.Clock = Clock.make();
