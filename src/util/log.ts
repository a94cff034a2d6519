/**
 * A tiny structured logger: one line per event on stderr. Text lines (the default) read
 * `time level [scope] message key=value`; JSON lines (`log: { format: json }`) are one object
 * per line, `{"time","level","scope","bot",…,"message",…fields}`, so a log shipper can index
 * `bot`, `chat`, `update_id` and `intent` where the call site knows them. Tests and the sandbox
 * can swap the sink to capture lines.
 */

/** Severity of a log line. */
export type Level = "debug" | "info" | "warn" | "error";

/** How a line is written. */
export type LogFormat = "text" | "json";

/** A logger bound to a scope (usually a bot id). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger for an inner scope; `bindings` (e.g. `{ bot }`) go into every JSON line it writes. */
  child(scope: string, bindings?: Record<string, unknown>): Logger;
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

/** A field value JSON can carry (errors become their message; bigints their digits). */
const jsonValue = (value: unknown): unknown =>
  value instanceof Error ? value.message : typeof value === "bigint" ? value.toString() : value;

/** One JSON line; a value JSON cannot hold (a cycle) is written as its string form instead of losing the line. */
function jsonLine(level: Level, scope: string, bindings: Record<string, unknown> | undefined, message: string, fields?: Record<string, unknown>): string {
  const line: Record<string, unknown> = { time: new Date().toISOString(), level, ...(scope ? { scope } : {}), ...bindings, message };
  if (fields) for (const [k, v] of Object.entries(fields)) if (v !== undefined) line[k] = jsonValue(v);
  try {
    return JSON.stringify(line);
  } catch {
    return JSON.stringify(Object.fromEntries(Object.entries(line).map(([k, v]) => [k, typeof v === "object" && v !== null ? String(v) : v])));
  }
}

/**
 * Creates a logger; `SWITCHBOARD_LOG=debug|info|warn|error` sets the threshold when none is
 * given (default info). `format` is text unless `json` is asked for.
 */
export function createLogger(
  scope = "",
  threshold: Level = (process.env.SWITCHBOARD_LOG as Level) ?? "info",
  lineFormat: LogFormat = "text",
  bindings?: Record<string, unknown>,
): Logger {
  const min = order[threshold] ?? order.info;
  const emit = (level: Level) => (message: string, fields?: Record<string, unknown>) => {
    if (order[level] < min) return;
    if (lineFormat === "json") return logSink(jsonLine(level, scope, bindings, message, fields));
    const tail = fields ? Object.entries(fields).filter(([, v]) => v !== undefined).map(([k, v]) => ` ${k}=${format(v)}`).join("") : "";
    logSink(`${new Date().toISOString()} ${level.padEnd(5)} ${scope ? `[${scope}] ` : ""}${message}${tail}`);
  };
  return {
    debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error"),
    child: (inner, more) => createLogger(scope ? `${scope}/${inner}` : inner, threshold, lineFormat, more ? { ...bindings, ...more } : bindings),
  };
}

/** The logger a config's `log` key asks for (absent: text, threshold from SWITCHBOARD_LOG or info). */
export function loggerFor(config: { readonly format: LogFormat; readonly level: Level } | undefined): Logger {
  return config === undefined ? createLogger() : createLogger("", config.level, config.format);
}
