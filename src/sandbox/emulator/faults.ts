/**
 * Fault injection: the next matching Bot API calls fail the way Telegram or the network can
 * fail, so tests can prove the runtime neither loses nor duplicates messages.
 * - "429", "500", "502": an error answer, the call is not applied;
 * - "drop-before": the connection is cut before the call is applied;
 * - "drop-after": the call is applied, then the connection is cut (the caller is left in doubt).
 */
import type { FaultSpec } from "./types.ts";
import type { RawParams } from "./params.ts";

interface ArmedFault {
  spec: FaultSpec;
  left: number;
}

/** The queue of armed faults. */
export class FaultBook {
  private faults: ArmedFault[] = [];
  /** How many calls a fault hit. */
  injected = 0;

  /** Arms a fault. */
  add(spec: FaultSpec): void {
    this.faults.push({ spec: { ...spec }, left: spec.times ?? 1 });
  }

  /** Disarms every fault. */
  clear(): void {
    this.faults = [];
  }

  /**
   * The fault that hits this call, if any (consuming one of its `times`). A fault without a
   * method skips getUpdates, so arming "any method" does not just break polling.
   */
  take(method: string, params: RawParams): FaultSpec | undefined {
    const m = method.toLowerCase();
    for (const f of this.faults) {
      if (f.left <= 0) continue;
      if (f.spec.method === undefined ? m === "getupdates" : f.spec.method.toLowerCase() !== m) continue;
      if (f.spec.chatId !== undefined && Number(params.chat_id) !== f.spec.chatId) continue;
      f.left--;
      this.injected++;
      this.faults = this.faults.filter((x) => x.left > 0);
      return f.spec;
    }
    return undefined;
  }
}
