/** The `storage` key: which database holds the state of every bot in the file. */
import { DEFAULT_STORAGE } from "./defaults.ts";
import type { Problems } from "./problems.ts";
import { describe, readString } from "./read.ts";

const EXPECTED = `"sqlite:PATH" or "postgres://user:pass@host/db"`;

/** Shows a found URL without its password (also when the URL is malformed). */
function redact(text: string): string {
  return text.replace(/(\/\/[^:/@\s]*:)[^@]*@/, "$1***@");
}

/** Reads the key; absent means the default SQLite file. */
export function readStorage(value: unknown, path: string, problems: Problems): string | undefined {
  if (value === null || value === undefined) return DEFAULT_STORAGE;
  const text = readString(value, path, problems, EXPECTED)?.trim();
  if (text === undefined) return undefined;
  if (text.startsWith("sqlite:") && text.length > "sqlite:".length) return text;
  if (/^postgres(ql)?:\/\/./.test(text)) {
    try {
      new URL(text);
      return text;
    } catch {
      problems.add(path, `expected a valid postgres:// URL, got ${describe(redact(text))}`);
      return undefined;
    }
  }
  problems.add(path, `expected ${EXPECTED}, got ${describe(redact(text))}`);
  return undefined;
}
