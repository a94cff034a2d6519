/**
 * The config's `storage` URL → the dialect that opens it. The scheme picks the engine; each
 * dialect parses the rest of its own URLs.
 */
import type { StoreDialect } from "./dialect.ts";
import { StorageUrlError } from "./errors.ts";
import { postgresDialect, redactUrl } from "./postgres.ts";
import { sqliteDialect } from "./sqlite.ts";

/** The dialect for `url`; throws {@link StorageUrlError} for an engine this build cannot open. */
export function dialectOf(url: string): StoreDialect {
  if (url.startsWith("sqlite:")) return sqliteDialect;
  if (/^postgres(ql)?:\/\//.test(url)) return postgresDialect;
  throw new StorageUrlError({ message: `storage: expected "sqlite:PATH" or "postgres://user:pass@host:port/db", got "${redactUrl(url)}"` });
}
