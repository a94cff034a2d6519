/**
 * A tiny structured logger: one line per event on stderr, `level [bot] message key=value`.
 * Tests and the sandbox can swap the sink to capture lines.
 */

/** Severity of a log line. */
export type Level = "debug" | "info" | "warn" | "error";

/** A logger bound to a scope (usually a bot id). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  child(scope: string): Logger;
}

const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where lines go; replaceable for tests. */
export let logSink: (line: string) => void = (line) => process.stderr.write(line + "\n");

/** Replaces the sink (returns the previous one). */
export function setLogSink(sink: (line: string) => void): (line: string) => void {
  const previous = logSink;
  logSink = sink;
  return previous;
}

const format = (value: unknown): string => {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return /[\s"=]/.test(text ?? "") ? JSON.stringify(text) : String(text);
};

/** Creates a logger; `SWITCHBOARD_LOG=debug|info|warn|error` sets the threshold (default info). */
export function createLogger(scope = "", threshold: Level = (process.env.SWITCHBOARD_LOG as Level) ?? "info"): Logger {
  const min = order[threshold] ?? order.info;
  const emit = (level: Level) => (message: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    const tail = fields ? Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}=${format(v)}`).join("") : "";
    logSink(`${new Date().toISOString()} ${level.padEnd(5)} ${scope ? `[${scope}] ` : ""}${message}${tail}`);
  };
  return {
    debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error"),
    child: (inner) => createLogger(scope ? `${scope}/${inner}` : inner, threshold),
  };
}
