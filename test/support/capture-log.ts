/** A logger for unit tests that keeps its lines (`level message {fields}`) instead of printing them. */
import type { Logger } from "../../src/util/log.ts";

/** A logger and the lines it has written. */
export function capturingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const log: Logger = { debug: line("debug"), info: line("info"), warn: line("warn"), error: line("error"), child: () => log };
  return { log, lines };
}
