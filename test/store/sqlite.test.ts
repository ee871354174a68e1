import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openSqliteAuthStore, type SqliteAuthStore } from "../../src/store/index.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.js";
import { apiKeyRecord, describeAuthStoreContract, userRecord } from "./auth-store.contract.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "berth-sqlite-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeAuthStoreContract("SQLite file", async () =>
  openSqliteAuthStore(join(tempDir(), "berth.db")),
);
describeAuthStoreContract("SQLite :memory:", async () => openSqliteAuthStore(":memory:"));

describe("SQLite auth store on a file", () => {
  const open: SqliteAuthStore[] = [];
  function openStore(path: string): SqliteAuthStore {
    const store = openSqliteAuthStore(path);
    open.push(store);
    return store;
  }
  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
  });

  it("keeps users and keys across close and reopen, creating missing folders", async () => {
    const path = join(tempDir(), "data", "nested", "berth.db");
    const first = openSqliteAuthStore(path);
    await first.createUser(userRecord());
    await first.createApiKey(apiKeyRecord());
    await first.revokeApiKey("key-1", 5_000);
    await first.close();

    const second = openStore(path);
    expect(await second.findUserByName("ALICE")).toEqual(userRecord());
    expect(await second.listApiKeys()).toEqual([apiKeyRecord({ revokedAt: 5_000 })]);
  });

  it("migrates a file once, however often it is opened", async () => {
    const path = join(tempDir(), "berth.db");
    const first = openSqliteAuthStore(path);
    await first.createUser(userRecord());
    await first.close();
    // Open twice more, once while another connection is open.
    const second = openStore(path);
    const third = openStore(path);
    expect(await third.listUsers()).toEqual([userRecord()]);
    expect(await second.getUser("user-alice")).toEqual(userRecord());

    const raw = new BetterSqlite3(path, { readonly: true });
    expect(raw.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    expect(raw.pragma("journal_mode", { simple: true })).toBe("wal");
    raw.close();
  });

  it("numbers its migrations 1, 2, 3… with no gaps", () => {
    expect(MIGRATIONS.map((migration) => migration.version)).toEqual(
      MIGRATIONS.map((_, index) => index + 1),
    );
  });

  it("shows a revocation made by another connection at once", async () => {
    const path = join(tempDir(), "berth.db");
    const server = openStore(path);
    const cli = openStore(path);
    await server.createUser(userRecord());
    await server.createApiKey(apiKeyRecord());
    expect((await cli.findApiKeyByHash(apiKeyRecord().hash))?.revokedAt).toBeNull();
    expect((await server.findApiKeyByHash(apiKeyRecord().hash))?.revokedAt).toBeNull();

    expect(await cli.revokeApiKey("key-1", 5_000)).toBe(true);
    expect((await server.findApiKeyByHash(apiKeyRecord().hash))?.revokedAt).toBe(5_000);
    expect(await server.revokeApiKey("key-1", 6_000)).toBe(false);
  });

  it("reads while another process writes, and waits for its write instead of failing", async () => {
    const path = join(tempDir(), "berth.db");
    const server = openStore(path);
    await server.createUser(userRecord());
    await server.createApiKey(apiKeyRecord());

    // Another process (as the berth CLI would) holds the write lock for a moment.
    const script = `
      const db = new (require("better-sqlite3"))(process.argv[1]);
      db.exec("BEGIN IMMEDIATE");
      db.prepare("UPDATE api_keys SET name = 'renamed' WHERE id = 'key-1'").run();
      process.stdout.write("locked\\n");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
      db.exec("COMMIT");
      db.close();`;
    const cli = spawn(process.execPath, ["-e", script, path], { cwd: process.cwd() });
    const exited = once(cli, "exit");
    const errors: Buffer[] = [];
    cli.stderr.on("data", (chunk: Buffer) => errors.push(chunk));
    await new Promise<void>((resolve, reject) => {
      cli.stdout.on("data", (chunk: Buffer) => {
        if (chunk.toString().includes("locked")) resolve();
      });
      cli.on("exit", () => reject(new Error(`CLI process ended: ${Buffer.concat(errors)}`)));
    });

    // WAL: the hot path reads the last committed state without waiting.
    expect((await server.findApiKeyByHash(apiKeyRecord().hash))?.name).toBe("laptop");
    // The busy timeout: this write waits for the other process's commit.
    expect(await server.revokeApiKey("key-1", 5_000)).toBe(true);
    const [code] = await exited;
    expect(code).toBe(0);
    expect(await server.getApiKey("key-1")).toEqual(
      apiKeyRecord({ name: "renamed", revokedAt: 5_000 }),
    );
  });

  it("refuses a file that is not a SQLite database, naming it, and leaves it alone", () => {
    const path = join(tempDir(), "berth.db");
    const content = "name,password\nalice,secret\n".repeat(200);
    writeFileSync(path, content);
    expect(() => openSqliteAuthStore(path)).toThrow(
      `Cannot open the Berth database at ${path}: file is not a database. The file is not a usable SQLite database`,
    );
    expect(readFileSync(path, "utf8")).toBe(content);
  });

  it("refuses a database from a newer Berth without touching it", () => {
    const path = join(tempDir(), "berth.db");
    const raw = new BetterSqlite3(path);
    raw.pragma("user_version = 99");
    raw.close();
    expect(() => openSqliteAuthStore(path)).toThrow(
      `its schema version is 99, newer than this version of Berth knows (${MIGRATIONS.length}); upgrade Berth`,
    );
  });

  it("rolls back a migration that fails halfway", () => {
    // Someone else's database with a table named like Berth's second one.
    const path = join(tempDir(), "other.db");
    const raw = new BetterSqlite3(path);
    raw.exec("CREATE TABLE api_keys (token TEXT)");
    raw.close();
    expect(() => openSqliteAuthStore(path)).toThrow(
      "migration 1 (users and api keys) failed: table api_keys already exists",
    );
    const after = new BetterSqlite3(path, { readonly: true });
    const tables = after.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all();
    expect(tables).toEqual([{ name: "api_keys" }]);
    expect(after.pragma("user_version", { simple: true })).toBe(0);
    after.close();
  });
});
