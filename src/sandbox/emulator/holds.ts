/**
 * Holds: the next matching Bot API call (before it is applied) or file download (after half of
 * its bytes were sent) waits until the test releases it. Tests use them to prove concurrency and
 * streaming without timing: "while this call is held, that one answers", "the first bytes of a
 * download arrive while the rest is held".
 */
import type { Hold, HoldTarget } from "./types.ts";

interface ArmedHold {
  readonly target: HoldTarget;
  readonly reached: () => void;
  readonly released: Promise<void>;
}

/** The armed holds, each taken by one call or download. */
export class HoldBook {
  private armed: ArmedHold[] = [];

  /** Arms a hold. */
  add(target: HoldTarget): Hold {
    let reached!: () => void;
    let release!: () => void;
    const reachedP = new Promise<void>((r) => (reached = r));
    const released = new Promise<void>((r) => (release = r));
    this.armed.push({ target, reached, released });
    return { reached: reachedP, release };
  }

  /** The release of the hold armed for a call of `method`, if any (it is reached now). */
  takeCall(method: string): Promise<void> | undefined {
    return this.take((t) => "method" in t && t.method.toLowerCase() === method.toLowerCase());
  }

  /** The release of the hold armed for a file download, if any (it is reached now). */
  takeDownload(): Promise<void> | undefined {
    return this.take((t) => "download" in t);
  }

  private take(matches: (t: HoldTarget) => boolean): Promise<void> | undefined {
    const i = this.armed.findIndex((h) => matches(h.target));
    if (i < 0) return undefined;
    const [hold] = this.armed.splice(i, 1);
    hold.reached();
    return hold.released;
  }
}
