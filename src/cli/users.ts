import { randomUUID } from "node:crypto";
import { hashPassword } from "../auth/password.js";
import { usernameTaken } from "../store/errors.js";
import type { AuthStore, UserRecord } from "../store/types.js";
import {
  CommandFailedError,
  type CommandIo,
  parseCommandLine,
  runCommandGroup,
  UsageError,
} from "./io.js";
import { readNewPassword } from "./password-input.js";
import { STORE_OPTIONS, STORE_USAGE, withStore } from "./store-options.js";
import { formatTable, formatTime, isoTime } from "./table.js";

/** The `berth users` lines of the CLI's usage. */
export const USERS_USAGE = `  berth users add <username> [--name "Display Name"] [--password-stdin | --no-password]
  berth users passwd <username> [--password-stdin]
  berth users disable <username>
  berth users enable <username>
  berth users list [--json]`;

const SHORT_USAGE = `Usage:\n${USERS_USAGE}\n\n'berth users --help' says more.`;

const USAGE = `Usage:\n${USERS_USAGE}

Passwords are asked for twice at the terminal, or read as one line from stdin with
--password-stdin. --no-password adds a user who cannot sign in with a password.

${STORE_USAGE}`;

const USERNAME = /^[a-z0-9][a-z0-9._@+-]{0,63}$/;

/**
 * Run `berth users <subcommand> [arguments]`; resolves to the exit status (0 done,
 * 1 failed, 2 usage).
 *
 * @example
 * process.exitCode = await runUsers(["list", "--json"], processIo());
 */
export function runUsers(args: string[], io: CommandIo): Promise<number> {
  return runCommandGroup(
    "users",
    args,
    io,
    { full: USAGE, short: SHORT_USAGE },
    {
      add: addUser,
      passwd: changePassword,
      disable: (rest, commandIo) => setDisabled(rest, commandIo, true),
      enable: (rest, commandIo) => setDisabled(rest, commandIo, false),
      list: listUsers,
    },
  );
}

/**
 * The user with this username (ignoring case), or a {@link CommandFailedError} saying
 * there is none.
 */
export async function requireUser(store: AuthStore, username: string): Promise<UserRecord> {
  const user = await store.findUserByName(username);
  if (!user)
    throw new CommandFailedError(
      `There is no user named '${username}' (berth users list shows them)`,
    );
  return user;
}

async function addUser(args: string[], io: CommandIo): Promise<void> {
  const { values, operands } = parseCommandLine(
    args,
    {
      ...STORE_OPTIONS,
      name: { type: "string" },
      "password-stdin": { type: "boolean" },
      "no-password": { type: "boolean" },
    },
    ["username"],
  );
  // Usernames are stored lower-cased, as the store compares them.
  const username = operands.username.toLowerCase();
  if (!USERNAME.test(username))
    throw new UsageError(
      `'${operands.username}' cannot be a username: use 1 to 64 letters, digits and . _ @ + -, ` +
        "starting with a letter or digit",
    );
  if (values["password-stdin"] && values["no-password"])
    throw new UsageError("--password-stdin and --no-password cannot be used together");
  await withStore(values, io, async (store) => {
    // Checked before asking for a password, so nobody types one for nothing.
    if (await store.findUserByName(username)) throw usernameTaken(username);
    const passwordHash = values["no-password"]
      ? null
      : await hashPassword(await readNewPassword(io, values["password-stdin"] === true, username));
    const now = Date.now();
    const user: UserRecord = {
      id: randomUUID(),
      username,
      displayName: values.name || null,
      passwordHash,
      disabled: false,
      createdAt: now,
      updatedAt: now,
    };
    await store.createUser(user);
    io.stdout.write(`Added user ${username} (id ${user.id})\n`);
  });
}

async function changePassword(args: string[], io: CommandIo): Promise<void> {
  const { values, operands } = parseCommandLine(
    args,
    { ...STORE_OPTIONS, "password-stdin": { type: "boolean" } },
    ["username"],
  );
  await withStore(values, io, async (store) => {
    const user = await requireUser(store, operands.username);
    const password = await readNewPassword(io, values["password-stdin"] === true, user.username);
    await store.updateUser(user.id, { passwordHash: await hashPassword(password) }, Date.now());
    io.stdout.write(`Changed the password of ${user.username}\n`);
  });
}

async function setDisabled(args: string[], io: CommandIo, disabled: boolean): Promise<void> {
  const { values, operands } = parseCommandLine(args, STORE_OPTIONS, ["username"]);
  const state = disabled ? "disabled" : "enabled";
  await withStore(values, io, async (store) => {
    const user = await requireUser(store, operands.username);
    if (user.disabled === disabled) {
      io.stdout.write(`${user.username} is already ${state}\n`);
      return;
    }
    await store.updateUser(user.id, { disabled }, Date.now());
    io.stdout.write(
      disabled
        ? `Disabled ${user.username}: their API keys are refused from the next request\n`
        : `Enabled ${user.username}\n`,
    );
  });
}

async function listUsers(args: string[], io: CommandIo): Promise<void> {
  const { values } = parseCommandLine(args, { ...STORE_OPTIONS, json: { type: "boolean" } }, []);
  const users = await withStore(values, io, (store) => store.listUsers());
  if (values.json) {
    const shown = users.map((user) => ({
      id: user.id,
      username: user.username,
      displayName: user.displayName,
      hasPassword: user.passwordHash !== null,
      disabled: user.disabled,
      createdAt: isoTime(user.createdAt),
      updatedAt: isoTime(user.updatedAt),
    }));
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return;
  }
  if (users.length === 0) {
    io.stdout.write("No users yet: add one with berth users add <username>\n");
    return;
  }
  const rows = users.map((user) => [
    user.username,
    user.displayName ?? "-",
    user.disabled ? "disabled" : "active",
    user.passwordHash === null ? "no" : "yes",
    formatTime(user.createdAt),
    user.id,
  ]);
  io.stdout.write(formatTable(["USERNAME", "NAME", "STATUS", "PASSWORD", "CREATED", "ID"], rows));
}
