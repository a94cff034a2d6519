/** `host:port` addresses for the servers Switchboard opens (webhook receiver, Bot API proxy). */
import type { Problems } from "./problems.ts";
import { describe, isUnresolved } from "./read.ts";
import type { Listen } from "./types.ts";

/** `host:port`, `[v6]:port`, `:port` or a bare port; a missing host means every interface. */
const ADDRESS = /^(?:\[([0-9A-Fa-f:.]+)\]|([^\s:\[\]]*)):(\d+)$/;

/** Reads a listen address; `example` shows the expected shape in the error message. */
export function readListen(value: unknown, path: string, problems: Problems, example: string): Listen | undefined {
  if (isUnresolved(value, path, problems)) return undefined;
  const text = typeof value === "number" ? `:${value}` : typeof value === "string" ? value.trim() : undefined;
  const bare = text !== undefined && /^\d+$/.test(text) ? `:${text}` : text;
  const match = bare === undefined ? null : ADDRESS.exec(bare);
  const port = match === null ? NaN : Number(match[3]);
  if (match !== null && Number.isInteger(port) && port >= 1 && port <= 65535) {
    return { host: match[1] ?? (match[2] || "0.0.0.0"), port };
  }
  problems.add(path, `expected "host:port" like "${example}", got ${describe(value)}`);
  return undefined;
}
