import { randomUUID } from "node:crypto";
import { generateApiKey } from "../auth/api-key.js";
import type { ApiKeyRecord, AuthStore } from "../store/types.js";
import { parseExpiry } from "./expiry.js";
import {
  CommandFailedError,
  type CommandIo,
  parseCommandLine,
  runCommandGroup,
  UsageError,
} from "./io.js";
import { STORE_OPTIONS, STORE_USAGE, withStore } from "./store-options.js";
import { formatTable, formatTime, isoTime } from "./table.js";
import { requireUser } from "./users.js";

/** The `berth keys` lines of the CLI's usage. */
export const KEYS_USAGE = `  berth keys create <name> --user <username> [--scope <scope>]... [--expires 30d|<date>] [--json]
  berth keys list [--user <username>] [--json]
  berth keys revoke <id-or-prefix>`;

const SHORT_USAGE = `Usage:\n${KEYS_USAGE}\n\n'berth keys --help' says more.`;

const USAGE = `Usage:\n${KEYS_USAGE}

A new key is printed once, on stdout; Berth keeps only its hash. --scope may be repeated
or list scopes separated by spaces. --expires takes a duration (12h, 30d, 8w) or a date or
time in ISO 8601 (2027-01-31, 2027-01-31T18:00+01:00; UTC unless an offset is given).

${STORE_USAGE}`;

/** An OAuth scope token (RFC 6749, section 3.3): printable ASCII but space, `"` and `\`. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+$/;
const MAX_NAME_LENGTH = 100;

/**
 * Run `berth keys <subcommand> [arguments]`; resolves to the exit status (0 done,
 * 1 failed, 2 usage).
 *
 * @example
 * process.exitCode = await runKeys(["create", "ci", "--user", "alice"], processIo());
 */
export function runKeys(args: string[], io: CommandIo): Promise<number> {
  return runCommandGroup(
    "keys",
    args,
    io,
    { full: USAGE, short: SHORT_USAGE },
    { create: createKey, list: listKeys, revoke: revokeKey },
  );
}

async function createKey(args: string[], io: CommandIo): Promise<void> {
  const { values, operands } = parseCommandLine(
    args,
    {
      ...STORE_OPTIONS,
      user: { type: "string" },
      scope: { type: "string", multiple: true },
      expires: { type: "string" },
      json: { type: "boolean" },
    },
    ["name"],
  );
  const name = operands.name.trim();
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  if (name === "" || name.length > MAX_NAME_LENGTH || /[\x00-\x1f\x7f]/.test(name))
    throw new UsageError(
      `'${operands.name}' cannot be a key name: use 1 to ${MAX_NAME_LENGTH} printable characters`,
    );
  if (!values.user)
    throw new UsageError("keys create needs --user <username>: the key acts as them");
  const scopes = [...new Set((values.scope ?? []).flatMap((value) => value.split(/\s+/)))].filter(
    (scope) => scope !== "",
  );
  const badScope = scopes.find((scope) => !SCOPE.test(scope));
  if (badScope !== undefined)
    throw new UsageError(
      `'${badScope}' cannot be a scope: use printable ASCII without spaces, quotes or backslashes`,
    );
  const createdAt = Date.now();
  const expiresAt = values.expires === undefined ? null : parseExpiry(values.expires, createdAt);
  const user = values.user;

  await withStore(values, io, async (store) => {
    const owner = await requireUser(store, user);
    const taken = (await store.listApiKeys(owner.id)).find((key) => key.name === name);
    if (taken)
      throw new CommandFailedError(
        `${owner.username} already has an API key named '${name}'` +
          `${taken.revokedAt === null ? "" : " (revoked)"}: choose another name`,
      );
    const { key, hash, prefix } = generateApiKey();
    const record: ApiKeyRecord = {
      id: randomUUID(),
      name,
      ownerId: owner.id,
      scopes,
      hash,
      prefix,
      createdAt,
      expiresAt,
      lastUsedAt: null,
      revokedAt: null,
    };
    await store.createApiKey(record);

    if (values.json) {
      const { lastUsedAt: _, revokedAt: __, ...shown } = describeKey(record, owner.username);
      io.stdout.write(`${JSON.stringify({ key, ...shown }, null, 2)}\n`);
    } else {
      io.stderr.write(
        `Created API key '${name}' for ${owner.username} (id ${record.id}, prefix ${prefix}, ` +
          `scopes: ${scopes.join(" ") || "none"}, expires: ${expiresAt === null ? "never" : isoTime(expiresAt)}):\n`,
      );
      io.stdout.write(`${key}\n`);
    }
    io.stderr.write(
      "Copy the key now: it will not be shown again (Berth keeps only its hash).\n" +
        (owner.disabled
          ? `${owner.username} is disabled: the key works once they are enabled.\n`
          : ""),
    );
  });
}

async function listKeys(args: string[], io: CommandIo): Promise<void> {
  const { values } = parseCommandLine(
    args,
    { ...STORE_OPTIONS, user: { type: "string" }, json: { type: "boolean" } },
    [],
  );
  const user = values.user;
  const { records, usernames } = await withStore(values, io, async (store) => {
    const owner = user === undefined ? undefined : await requireUser(store, user);
    const usernames = new Map((await store.listUsers()).map(({ id, username }) => [id, username]));
    return { records: await store.listApiKeys(owner?.id), usernames };
  });
  const ownerOf = (record: ApiKeyRecord) => usernames.get(record.ownerId) ?? record.ownerId;
  if (values.json) {
    const shown = records.map((record) => describeKey(record, ownerOf(record)));
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return;
  }
  if (records.length === 0) {
    io.stdout.write(
      "No API keys yet: create one with berth keys create <name> --user <username>\n",
    );
    return;
  }
  const rows = records.map((record) => [
    record.id,
    record.name,
    ownerOf(record),
    record.prefix,
    record.scopes.join(" ") || "-",
    formatTime(record.createdAt),
    formatTime(record.expiresAt),
    formatTime(record.lastUsedAt),
    formatTime(record.revokedAt),
  ]);
  const header = ["ID", "NAME", "OWNER", "PREFIX", "SCOPES", "CREATED", "EXPIRES", "LAST USED"];
  io.stdout.write(formatTable([...header, "REVOKED"], rows));
}

async function revokeKey(args: string[], io: CommandIo): Promise<void> {
  const { values, operands } = parseCommandLine(args, STORE_OPTIONS, ["id-or-prefix"]);
  const target = operands["id-or-prefix"];
  await withStore(values, io, async (store) => {
    const key = await findKey(store, target);
    const owner = (await store.getUser(key.ownerId))?.username ?? key.ownerId;
    const what = `API key '${key.name}' of ${owner} (id ${key.id}, prefix ${key.prefix})`;
    if (key.revokedAt !== null) {
      io.stdout.write(`The ${what} was already revoked at ${isoTime(key.revokedAt)}\n`);
      return;
    }
    await store.revokeApiKey(key.id, Date.now());
    io.stdout.write(`Revoked the ${what}: it is refused from the next request\n`);
  });
}

/** The key with this id, or else the one key with this prefix (preferring unrevoked keys). */
async function findKey(store: AuthStore, target: string): Promise<ApiKeyRecord> {
  const byId = await store.getApiKey(target);
  if (byId) return byId;
  let matches = (await store.listApiKeys()).filter((key) => key.prefix === target);
  const live = matches.filter((key) => key.revokedAt === null);
  if (live.length > 0) matches = live;
  if (matches.length === 0)
    throw new CommandFailedError(
      `No API key has the id or prefix '${target}' (berth keys list shows them)`,
    );
  if (matches.length > 1)
    throw new CommandFailedError(
      `${matches.length} API keys have the prefix '${target}': revoke one by its id ` +
        `(${matches.map((key) => key.id).join(", ")})`,
    );
  return matches[0]!;
}

/** A key as listings show it: never the hash, times in ISO 8601. */
function describeKey(record: ApiKeyRecord, owner: string) {
  return {
    id: record.id,
    name: record.name,
    owner,
    ownerId: record.ownerId,
    prefix: record.prefix,
    scopes: record.scopes,
    createdAt: isoTime(record.createdAt),
    expiresAt: isoTime(record.expiresAt),
    lastUsedAt: isoTime(record.lastUsedAt),
    revokedAt: isoTime(record.revokedAt),
  };
}
