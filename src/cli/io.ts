import { parseArgs } from "node:util";
import { BerthError, type BerthErrorOptions, JsonRpcCode } from "../errors.js";

/**
 * How a `berth` command meets the world: its streams and environment are passed in, so
 * tests run commands in-process, and its outcome is an exit status rather than a
 * `process.exit`.
 */

/** The streams and environment a command uses. */
export interface CommandIo {
  /** Where passwords come from; a terminal (`isTTY` and `setRawMode`) is asked without echo. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  /** Results: listings, JSON, a new API key. */
  stdout: { write(text: string): unknown };
  /** Questions, confirmations and errors. */
  stderr: { write(text: string): unknown };
  /** Environment variables, for `BERTH_DATA_DIR` and `BERTH_STORE_URL`. */
  env: Readonly<Record<string, string | undefined>>;
}

/** The {@link CommandIo} of this process. */
export function processIo(): CommandIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}

// CLI errors never travel over JSON-RPC; they carry an rpcCode only because every BerthError does.

/** The command line is wrong (exit status 2); the command's usage is shown with the message. */
export class UsageError extends BerthError {
  constructor(message: string) {
    super("ERR_CLI_USAGE", JsonRpcCode.InvalidParams, message);
  }
}

/** The command was understood but could not be done (exit status 1); nothing was changed. */
export class CommandFailedError extends BerthError {
  constructor(message: string, options?: BerthErrorOptions) {
    super("ERR_CLI_FAILED", JsonRpcCode.InvalidParams, message, options);
  }
}

/**
 * Run a command and turn its outcome into an exit status: 0 done, 1 failed, 2 usage.
 * Errors are printed on stderr, usage errors followed by `usage`.
 *
 * @example
 * process.exitCode = await runCommand(io, USAGE, () => addUser(args, io));
 */
export async function runCommand(
  io: CommandIo,
  usage: string,
  command: () => Promise<void>,
): Promise<number> {
  try {
    await command();
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`berth: ${error.message}\n\n${usage}\n`);
      return 2;
    }
    io.stderr.write(`berth: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

/**
 * Run a group of subcommands (`berth users …`): `--help` anywhere prints `usage.full`,
 * an unknown or missing subcommand is a usage error, and the exit status is
 * {@link runCommand}'s.
 */
export function runCommandGroup(
  group: string,
  args: string[],
  io: CommandIo,
  usage: { full: string; short: string },
  subcommands: Record<string, (args: string[], io: CommandIo) => Promise<void>>,
): Promise<number> {
  const [subcommand, ...rest] = args;
  return runCommand(io, usage.short, async () => {
    if ([subcommand, ...rest].some((arg) => arg === "--help" || arg === "-h")) {
      io.stdout.write(`${usage.full}\n`);
      return;
    }
    const run =
      subcommand !== undefined && Object.hasOwn(subcommands, subcommand)
        ? subcommands[subcommand]
        : undefined;
    if (!run)
      throw new UsageError(
        subcommand ? `unknown ${group} command '${subcommand}'` : `missing ${group} command`,
      );
    return run(rest, io);
  });
}

/** The options a subcommand takes, in `parseArgs` form. */
export type CommandOptions = Record<
  string,
  { type: "string" | "boolean"; multiple?: boolean; short?: string }
>;

type Parsed<O extends CommandOptions> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>
>;

/**
 * Parse a subcommand's arguments: exactly the named operands, in order, and only the
 * given options. Anything else is a {@link UsageError}.
 *
 * @example
 * const { values, operands } = parseCommandLine(args, { json: { type: "boolean" } }, ["username"]);
 * operands.username; // string
 */
export function parseCommandLine<const O extends CommandOptions, N extends string>(
  args: string[],
  options: O,
  operands: readonly N[],
): { values: Parsed<O>["values"]; operands: Record<N, string> } {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { positionals, values } = parsed;
  const missing = operands[positionals.length];
  if (missing !== undefined) throw new UsageError(`missing <${missing}>`);
  if (positionals.length > operands.length)
    throw new UsageError(`unexpected argument '${positionals[operands.length]}'`);
  const named = Object.fromEntries(operands.map((name, index) => [name, positionals[index]]));
  return { values, operands: named as Record<N, string> };
}
