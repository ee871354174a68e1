import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { generateApiKey, hashApiKey } from "../../src/auth/api-key.js";
import { ResourceServer } from "../../src/auth/resource-server.js";
import { runKeys } from "../../src/cli/keys.js";
import { runUsers } from "../../src/cli/users.js";
import { UnauthorizedError } from "../../src/errors.js";
import { openAuthStore } from "../../src/store/index.js";
import { runIn, spawnCli, storeContents, tempDir } from "./support.js";

const DAY = 86_400_000;
const RESOURCE = "http://127.0.0.1:3000/mcp";

let dir: ReturnType<typeof tempDir>;
beforeEach(async () => {
  dir = tempDir();
  await runIn(runUsers, dir.path, ["add", "alice", "--name", "Alice L", "--no-password"]);
  await runIn(runUsers, dir.path, ["add", "bob", "--no-password"]);
});
afterEach(() => dir.remove());

const keys = (args: string[]) => runIn(runKeys, dir.path, args);

/** Create a key and return it with its stored record. */
async function create(args: string[]) {
  const outcome = await keys(["create", ...args]);
  expect(outcome.code).toBe(0);
  const key = outcome.stdout.trim();
  const record = (await storeContents(dir.path)).keys.find((k) => k.hash === hashApiKey(key));
  expect(record).toBeDefined();
  return { key, record: record!, outcome };
}

/** Authenticate `key` through a ResourceServer over the store the CLI writes. */
async function authenticate(key: string) {
  const store = await openAuthStore(undefined, dir.path);
  try {
    return await new ResourceServer({ store }).authenticate(`Key ${key}`, RESOURCE);
  } finally {
    await store.close();
  }
}

/** Run a command that must fail with `code` and `message`, changing nothing stored. */
async function expectRefused(args: string[], code: 1 | 2, message: string) {
  const before = await storeContents(dir.path);
  const outcome = await keys(args);
  expect(outcome.code).toBe(code);
  expect(outcome.stderr).toContain(message);
  expect(outcome.stdout).toBe("");
  expect(await storeContents(dir.path)).toEqual(before);
  return outcome;
}

describe("berth keys create", () => {
  it("prints the key once, on stdout alone, and the key authenticates as its owner", async () => {
    const { key, record, outcome } = await create([
      "laptop",
      "--user",
      "Alice",
      "--scope",
      "files:read",
      "--scope",
      "files:write files:read",
    ]);
    expect(outcome.stdout).toBe(`${key}\n`);
    expect(key).toMatch(/^berth_[\w-]{43}$/);
    expect(outcome.stderr).toContain(
      `Created API key 'laptop' for alice (id ${record.id}, prefix ${record.prefix}`,
    );
    expect(outcome.stderr).toContain("it will not be shown again");
    expect(record).toMatchObject({
      name: "laptop",
      scopes: ["files:read", "files:write"],
      prefix: key.slice(0, 12),
      expiresAt: null,
      revokedAt: null,
    });
    expect(JSON.stringify(await storeContents(dir.path))).not.toContain(key);

    const alice = (await storeContents(dir.path)).users.find((u) => u.username === "alice")!;
    expect(await authenticate(key)).toEqual({
      subject: alice.id,
      name: "Alice L",
      scopes: ["files:read", "files:write"],
      keyId: record.id,
      via: "api-key",
    });
  });

  it("prints the key and its record as JSON with --json", async () => {
    const outcome = await keys(["create", "ci", "--user", "bob", "--json", "--expires", "12h"]);
    expect(outcome.code).toBe(0);
    const printed = JSON.parse(outcome.stdout);
    expect(Object.keys(printed).sort()).toEqual(
      [
        "createdAt",
        "expiresAt",
        "id",
        "key",
        "name",
        "owner",
        "ownerId",
        "prefix",
        "scopes",
      ].sort(),
    );
    expect(printed).toMatchObject({ name: "ci", owner: "bob", scopes: [] });
    expect(Date.parse(printed.expiresAt) - Date.parse(printed.createdAt)).toBe(12 * 3_600_000);
    expect(outcome.stderr).toContain("it will not be shown again");
    expect((await authenticate(printed.key)).scopes).toEqual([]);
  });

  it("sets the expiry from a duration or an ISO 8601 date or time", async () => {
    const before = Date.now();
    const { record } = await create(["a", "--user", "alice", "--expires", "30d"]);
    expect(record.expiresAt! - record.createdAt).toBe(30 * DAY);
    expect(record.createdAt).toBeGreaterThanOrEqual(before);
    const cases: [string, string][] = [
      ["2099-01-31", "2099-01-31T00:00:00.000Z"],
      ["2099-01-31T18:30", "2099-01-31T18:30:00.000Z"],
      ["2099-01-31T18:30:15Z", "2099-01-31T18:30:15.000Z"],
      ["2099-01-31T18:30+01:00", "2099-01-31T17:30:00.000Z"],
      ["2099-02-28T23:00-02:00", "2099-03-01T01:00:00.000Z"],
    ];
    for (const [index, [expires, expected]] of cases.entries()) {
      const { record } = await create([`k${index}`, "--user", "alice", "--expires", expires]);
      expect(new Date(record.expiresAt!).toISOString()).toBe(expected);
    }
  });

  it("refuses a bad --expires, creating nothing", async () => {
    for (const expires of ["30", "30 days", "1y", "tomorrow", "31/01/2099", "2099-1-31"])
      await expectRefused(["create", "k", "--user", "alice", "--expires", expires], 2, "neither");
    await expectRefused(["create", "k", "--user", "alice", "--expires", "0d"], 2, "already past");
    await expectRefused(
      ["create", "k", "--user", "alice", "--expires", "2020-01-01"],
      2,
      "--expires 2020-01-01 is already past",
    );
    for (const expires of [
      "2099-02-29",
      "2099-13-01",
      "2099-01-31T24:00",
      "2099-01-31T10:00+25:00",
    ])
      await expectRefused(["create", "k", "--user", "alice", "--expires", expires], 2, "exists");
  });

  it("refuses an unknown user, a taken name and bad arguments, creating nothing", async () => {
    await expectRefused(["create", "k", "--user", "nobody"], 1, "There is no user named 'nobody'");
    await create(["laptop", "--user", "alice"]);
    await expectRefused(
      ["create", "laptop", "--user", "ALICE"],
      1,
      "alice already has an API key named 'laptop': choose another name",
    );
    await expectRefused(["create", "k"], 2, "keys create needs --user <username>");
    await expectRefused(["create", "--user", "alice"], 2, "missing <name>");
    await expectRefused(["create", " ", "--user", "alice"], 2, "cannot be a key name");
    await expectRefused(
      ["create", "k", "--user", "alice", "--scope", 'a"b'],
      2,
      "cannot be a scope",
    );
    await expectRefused(
      ["create", "k", "--user", "alice", "--bogus"],
      2,
      "Unknown option '--bogus'",
    );
    // The same name for another owner is fine.
    await create(["laptop", "--user", "bob"]);
  });

  it("warns that a disabled owner's key works only once they are enabled", async () => {
    await runIn(runUsers, dir.path, ["disable", "bob"]);
    const { key, outcome } = await create(["ci", "--user", "bob"]);
    expect(outcome.stderr).toContain("bob is disabled");
    await expect(authenticate(key)).rejects.toThrow(UnauthorizedError);
    await runIn(runUsers, dir.path, ["enable", "bob"]);
    expect((await authenticate(key)).via).toBe("api-key");
  });
});

describe("berth keys list", () => {
  it("lists keys without the key or its hash, and filters by --user", async () => {
    const laptop = await create(["laptop", "--user", "alice", "--scope", "files:read"]);
    const ci = await create(["ci", "--user", "bob", "--expires", "2099-01-31"]);
    await authenticate(laptop.key);
    await keys(["revoke", ci.record.id]);

    const table = await keys(["list"]);
    expect(table.code).toBe(0);
    for (const secret of [laptop.key, ci.key, laptop.record.hash, ci.record.hash])
      expect(table.stdout).not.toContain(secret);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(
      /^ID\s+NAME\s+OWNER\s+PREFIX\s+SCOPES\s+CREATED\s+EXPIRES\s+LAST USED\s+REVOKED$/,
    );
    const time = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\dZ";
    const row = (record: { id: string }) => lines.find((line) => line.startsWith(record.id));
    expect(lines).toHaveLength(3);
    expect(row(laptop.record)).toMatch(
      new RegExp(
        `\\s+laptop\\s+alice\\s+berth_\\S{6}\\s+files:read\\s+${time}\\s+-\\s+${time}\\s+-$`,
      ),
    );
    expect(row(ci.record)).toMatch(
      new RegExp(
        `\\s+ci\\s+bob\\s+berth_\\S{6}\\s+-\\s+${time}\\s+2099-01-31T00:00Z\\s+-\\s+${time}$`,
      ),
    );

    const json = await keys(["list", "--user", "alice", "--json"]);
    expect(json.stdout).not.toContain(laptop.record.hash);
    expect(JSON.parse(json.stdout)).toEqual([
      {
        id: laptop.record.id,
        name: "laptop",
        owner: "alice",
        ownerId: laptop.record.ownerId,
        prefix: laptop.record.prefix,
        scopes: ["files:read"],
        createdAt: new Date(laptop.record.createdAt).toISOString(),
        expiresAt: null,
        lastUsedAt: expect.stringMatching(/Z$/),
        revokedAt: null,
      },
    ]);
    const bobs = JSON.parse((await keys(["list", "--user", "bob", "--json"])).stdout);
    expect(bobs).toMatchObject([{ name: "ci", revokedAt: expect.stringMatching(/Z$/) }]);
  });

  it("says when there are none, and refuses an unknown --user", async () => {
    expect((await keys(["list"])).stdout).toContain("No API keys yet");
    expect(JSON.parse((await keys(["list", "--json"])).stdout)).toEqual([]);
    await expectRefused(["list", "--user", "nobody"], 1, "There is no user named 'nobody'");
  });
});

describe("berth keys revoke", () => {
  it("revokes by prefix or by id, after which the key no longer authenticates", async () => {
    const first = await create(["one", "--user", "alice"]);
    const second = await create(["two", "--user", "alice"]);
    await authenticate(first.key);

    const byPrefix = await keys(["revoke", first.record.prefix]);
    expect(byPrefix.code).toBe(0);
    expect(byPrefix.stdout).toContain(`Revoked the API key 'one' of alice (id ${first.record.id}`);
    await expect(authenticate(first.key)).rejects.toThrow(
      "The API key is unknown, revoked or expired",
    );
    expect((await authenticate(second.key)).via).toBe("api-key");

    expect((await keys(["revoke", second.record.id])).code).toBe(0);
    await expect(authenticate(second.key)).rejects.toThrow(UnauthorizedError);

    const again = await keys(["revoke", second.record.id]);
    expect(again).toMatchObject({ code: 0, stderr: "" });
    expect(again.stdout).toContain("was already revoked at");
  });

  it("refuses an unknown id or prefix, and a prefix that several live keys share", async () => {
    await expectRefused(
      ["revoke", "berth_nope00"],
      1,
      "No API key has the id or prefix 'berth_nope00'",
    );
    await expectRefused(["revoke"], 2, "missing <id-or-prefix>");

    // Prefixes carry 36 random bits; make two keys share one to see the refusal.
    const store = await openAuthStore(undefined, dir.path);
    const owner = (await store.findUserByName("alice"))!;
    for (const id of ["k1", "k2", "k3"]) {
      const { hash } = generateApiKey();
      await store.createApiKey({
        id,
        name: id,
        ownerId: owner.id,
        scopes: [],
        hash,
        prefix: "berth_SAME00",
        createdAt: Date.now(),
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      });
    }
    await store.revokeApiKey("k3", Date.now());
    await store.close();
    const outcome = await expectRefused(
      ["revoke", "berth_SAME00"],
      1,
      "2 API keys have the prefix",
    );
    expect(outcome.stderr).toContain("revoke one by its id (k2, k1)");
    expect((await keys(["revoke", "k1"])).code).toBe(0);
    // With k1 and k3 revoked, the prefix now names one live key.
    expect((await keys(["revoke", "berth_SAME00"])).stdout).toContain("Revoked the API key 'k2'");
  });
});

describe("the built berth command", () => {
  it("creates a key that authenticates, lists it and revokes it", async () => {
    const dataDir = ["--data-dir", dir.path];
    const created = await spawnCli(["keys", "create", "ci", "--user", "alice", ...dataDir]);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(created.stderr).toContain("it will not be shown again");
    expect((await authenticate(key)).scopes).toEqual([]);

    const listed = await spawnCli(["keys", "list", "--json", ...dataDir]);
    expect(listed.stdout).not.toContain(key);
    const [{ prefix }] = JSON.parse(listed.stdout);

    expect((await spawnCli(["keys", "revoke", prefix, ...dataDir])).code).toBe(0);
    await expect(authenticate(key)).rejects.toThrow(UnauthorizedError);
    expect((await spawnCli(["keys", "revoke", "berth_nope00", ...dataDir])).code).toBe(1);
    expect((await spawnCli(["keys", "create", "x", ...dataDir])).code).toBe(2);
  });
});
