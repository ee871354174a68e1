import { BerthError, JsonRpcCode } from "../../errors.js";

/**
 * A host configuration that cannot be used. `problems` has one line per problem, each
 * naming the field, what was expected and what was found:
 * `servers.files.path: must start with "/" (got "files")`.
 *
 * @example
 * try { await startHost(config); } catch (error) {
 *   if (error instanceof ConfigError) for (const line of error.problems) console.error(line);
 * }
 */
export class ConfigError extends BerthError {
  /** Every problem found, one line each. */
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[], options?: { cause?: unknown }) {
    const count = problems.length === 1 ? "a problem" : `${problems.length} problems`;
    super(
      "ERR_CONFIG",
      JsonRpcCode.InternalError,
      `${source} has ${count}:\n${problems.map((line) => `  - ${line}`).join("\n")}`,
      { status: 500, ...options },
    );
    this.problems = problems;
  }
}
