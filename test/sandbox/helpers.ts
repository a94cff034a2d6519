/**
 * Helpers for the sandbox tests: a sandbox started in-process on random ports with its store in a
 * temporary folder, JSON calls to its actions, and a reader for its Server-Sent Events stream.
 */
import { join } from "node:path";
import { startSandbox, type StartedSandbox } from "../../src/sandbox/run.ts";
import type { PageEvent } from "../../src/sandbox/web/types.ts";
import { tempDir } from "../support/world.ts";

/** Starts a sandbox with short long-polls; stop it in afterEach. */
export function startTestSandbox(): Promise<StartedSandbox> {
  return startSandbox({ port: 0, storage: join(tempDir("sb-sandbox-"), "sandbox.db"), pollTimeoutSeconds: 1 });
}

/** POSTs JSON to `/api/{path}` and returns the status and the parsed answer. */
export async function call(sandbox: StartedSandbox, path: string, body: unknown = {}): Promise<{ status: number; answer: any }> {
  const res = await fetch(`${sandbox.url}/api/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, answer: await res.json() };
}

/** The events of one `GET /api/events` stream, read as they come. */
export interface EventReader {
  readonly events: PageEvent[];
  /** Resolves with the first event (seen so far or later) that matches. */
  next<K extends PageEvent["kind"]>(kind: K, match?: (data: Extract<PageEvent, { kind: K }>["data"]) => boolean, timeoutMs?: number): Promise<Extract<PageEvent, { kind: K }>["data"]>;
  close(): void;
}

/** Opens the sandbox's event stream. */
export async function readEvents(sandbox: StartedSandbox): Promise<EventReader> {
  const abort = new AbortController();
  const res = await fetch(`${sandbox.url}/api/events`, { signal: abort.signal });
  if (res.headers.get("content-type") !== "text/event-stream") throw new Error(`not an event stream: ${res.headers.get("content-type")}`);
  const events: PageEvent[] = [];
  const waiters = new Set<() => void>();
  void (async () => {
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const kind = /^event: (.+)$/m.exec(frame)?.[1];
          const data = /^data: (.+)$/m.exec(frame)?.[1];
          if (kind && data) events.push({ kind, data: JSON.parse(data) } as PageEvent);
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // aborted by close()
    }
  })();
  return {
    events,
    next(kind, match = () => true, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        let from = 0;
        const check = () => {
          for (; from < events.length; from++) {
            const e = events[from];
            if (e.kind === kind && match(e.data as never)) {
              cleanup();
              resolve(e.data as never);
              return;
            }
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no "${kind}" event matched within ${timeoutMs} ms; got: ${events.map((e) => e.kind).join(", ")}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => abort.abort(),
  };
}
