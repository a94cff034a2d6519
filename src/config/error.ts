/**
 * The one error a configuration can fail with. It carries every problem found, so a deployer
 * fixes the whole file in one round instead of one key per run.
 */
import * as Data from "effect/Data";

/** One thing wrong with the configuration: where (`bots[0].group`) and what. */
export interface ConfigProblem {
  /** Location in the YAML, e.g. `storage`, `bots[1].params.autoclose`; `config` for the file itself. */
  readonly path: string;
  /** Short text saying what was expected and what was found. */
  readonly message: string;
}

/**
 * Thrown by {@link parseConfig} / {@link loadConfigFile} and failed with by `loadConfig`.
 * A `Data.TaggedError`, so it can be yielded inside `Effect.gen` and caught by tag.
 */
export class ConfigError extends Data.TaggedError("ConfigError")<{
  /** Every problem found, in file order. Never empty. */
  readonly problems: Array<ConfigProblem>;
  /** The file the text came from, when known; used in the CLI header. */
  readonly source?: string | undefined;
}> {
  /** One line per problem, `path: message`, so logs and test failures show everything. */
  override get message(): string {
    return this.problems.map((p) => `${p.path}: ${p.message}`).join("\n");
  }
}

/**
 * Human text for the CLI (`switchboard check`, startup failures): a header naming the file and the
 * number of problems, then one `  - path: message` line per problem.
 */
export function formatConfigError(e: ConfigError, file?: string): string {
  const where = file ?? e.source;
  const count = e.problems.length === 1 ? "1 problem" : `${e.problems.length} problems`;
  const header = where === undefined
    ? `Invalid configuration (${count}):`
    : `Invalid configuration in ${where} (${count}):`;
  return [header, ...e.problems.map((p) => `  - ${p.path}: ${p.message}`)].join("\n");
}
