/**
 * A logger that writes to the usual sink (the terminal) and also hands info/warn/error lines
 * to the page, so people can watch the runtime retry and recover while they click.
 */
import { createLogger, type Logger } from "../../util/log.ts";
import type { LogLine } from "./types.ts";

const fieldText = (fields?: Record<string, unknown>): string =>
  fields
    ? Object.entries(fields)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => ` ${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
      .join("")
    : "";

/** A {@link Logger} for `scope` whose lines also go to `onLine` (debug lines stay in the terminal). */
export function teeLogger(scope: string, onLine: (line: LogLine) => void): Logger {
  const base = createLogger(scope);
  const page = (level: LogLine["level"]) => (message: string, fields?: Record<string, unknown>) => {
    base[level](message, fields);
    onLine({ at: Date.now(), level, scope, text: message + fieldText(fields) });
  };
  return {
    debug: (message, fields) => base.debug(message, fields),
    info: page("info"),
    warn: page("warn"),
    error: page("error"),
    child: (inner) => teeLogger(scope ? `${scope}/${inner}` : inner, onLine),
  };
}
