import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { once } from "node:events";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import BetterSqlite3 from "better-sqlite3";
import ts from "typescript";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { openSqliteAuthStore, type SqliteAuthStore } from "../../src/store/index.js";
import { migrate } from "../../src/store/sqlite/migrate.js";
import { MIGRATIONS } from "../../src/store/sqlite/migrations/index.js";
import { apiKeyToParams, userToParams } from "../../src/store/sqlite/rows.js";
import {
  apiKeyRecord,
  codeRecord,
  describeAuthStoreContract,
  grantRecord,
  refreshTokenRecord,
  userRecord,
} from "./auth-store.contract.js";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "berth-sqlite-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * `src/errors.ts` and `src/store/` as JavaScript in a temporary folder, for child processes
 * (Node 20 cannot load TypeScript). Returns the URL of the compiled `sqlite/open.js`.
 */
function compileStoreForChildProcesses(): string {
  const src = fileURLToPath(new URL("../../src/", import.meta.url));
  const out = tempDir();
  symlinkSync(join(src, "..", "node_modules"), join(out, "node_modules"), "dir");
  writeFileSync(join(out, "package.json"), '{ "type": "module" }');
  const store = readdirSync(join(src, "store"), { recursive: true, encoding: "utf8" });
  for (const file of ["errors.ts", ...store.map((name) => join("store", name))]) {
    if (!file.endsWith(".ts")) continue;
    const { outputText } = ts.transpileModule(readFileSync(join(src, file), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    mkdirSync(dirname(join(out, file)), { recursive: true });
    writeFileSync(join(out, file.replace(/\.ts$/, ".js")), outputText);
  }
  return pathToFileURL(join(out, "store", "sqlite", "open.js")).href;
}

/** A child's stdout: `ready` once it has printed "ready", `done` when it exits cleanly. */
function watch(child: ChildProcessWithoutNullStreams) {
  let stdout = "";
  let stderr = "";
  let onReady = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (stdout.includes("ready\n")) onReady();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = once(child, "exit").then(([code]) => {
    if (code !== 0) throw new Error(`A child process failed (exit ${code}): ${stderr}`);
    return stdout;
  });
  return { ready, done };
}

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

  it("changes its version within 100 ms when another connection writes", async () => {
    const path = join(tempDir(), "berth.db");
    const server = openStore(path);
    const cli = openStore(path);
    await server.createUser(userRecord());
    const before = server.version();
    await cli.createApiKey(apiKeyRecord());
    await new Promise((resolve) => setTimeout(resolve, 110));
    expect(server.version()).not.toBe(before);
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

  it("migrates a database at schema version 1, keeping its users and keys", async () => {
    const path = join(tempDir(), "berth.db");
    const raw = new BetterSqlite3(path);
    migrate(raw, MIGRATIONS.slice(0, 1));
    raw
      .prepare(
        `INSERT INTO users (id, username, display_name, password_hash, disabled, created_at,
           updated_at)
         VALUES (@id, @username, @displayName, @passwordHash, @disabled, @createdAt, @updatedAt)`,
      )
      .run(userToParams(userRecord()));
    raw
      .prepare(
        `INSERT INTO api_keys (id, name, owner_id, scopes, hash, prefix, created_at, expires_at,
           last_used_at, revoked_at)
         VALUES (@id, @name, @ownerId, @scopes, @hash, @prefix, @createdAt, @expiresAt,
           @lastUsedAt, @revokedAt)`,
      )
      .run(apiKeyToParams(apiKeyRecord()));
    expect(raw.pragma("user_version", { simple: true })).toBe(1);
    raw.close();

    const store = openStore(path);
    expect(await store.listUsers()).toEqual([userRecord()]);
    expect(await store.listApiKeys()).toEqual([apiKeyRecord()]);
    // The OAuth tables are there, and refer to the users already kept.
    await store.createGrant(grantRecord(), codeRecord());
    expect((await store.useAuthorizationCode(codeRecord().hash, 5_000))?.grant).toEqual(
      grantRecord(),
    );
    const after = new BetterSqlite3(path, { readonly: true });
    expect(after.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
    after.close();
  });

  it("migrates a database at schema version 2, dropping consents that name no resource", async () => {
    const path = join(tempDir(), "berth.db");
    const raw = new BetterSqlite3(path);
    migrate(raw, MIGRATIONS.slice(0, 2));
    raw
      .prepare(
        "INSERT INTO users (id, username, disabled, created_at, updated_at) VALUES ('user-alice', 'alice', 0, 1, 1)",
      )
      .run();
    raw
      .prepare(
        `INSERT INTO consents (user_id, client_id, scopes, granted_at)
         VALUES ('user-alice', 'client-inspector', '["tools:read"]', 2000)`,
      )
      .run();
    raw.close();
    const store = openStore(path);
    expect(
      await store.getConsent("user-alice", "client-inspector", "https://mcp.example.com/mcp"),
    ).toBeUndefined();
    expect((await store.listUsers()).map((user) => user.username)).toEqual(["alice"]);
    await store.saveConsent({
      userId: "user-alice",
      clientId: "client-inspector",
      resource: "https://mcp.example.com/mcp",
      scopes: ["tools:read"],
      grantedAt: 3_000,
    });
    expect(
      (await store.getConsent("user-alice", "client-inspector", "https://mcp.example.com/mcp"))
        ?.grantedAt,
    ).toBe(3_000);
  });

  it("deletes a grant's codes and refresh tokens with it", async () => {
    const path = join(tempDir(), "berth.db");
    const store = openStore(path);
    await store.createUser(userRecord());
    await store.createGrant(grantRecord(), codeRecord());
    await store.createRefreshToken(refreshTokenRecord());
    // No store method deletes grants yet: this pins the schema for when one does.
    const raw = new BetterSqlite3(path);
    raw.pragma("foreign_keys = ON");
    raw.prepare("DELETE FROM grants WHERE id = ?").run("grant-1");
    raw.close();
    expect(await store.findAuthorizationCode(codeRecord().hash)).toBeUndefined();
    expect(await store.findRefreshToken(refreshTokenRecord().hash)).toBeUndefined();
  });

  it("gives exactly one of several racing processes the first use of a code or refresh token", async () => {
    const path = join(tempDir(), "berth.db");
    const store = openStore(path);
    await store.createUser(userRecord());
    // Many rounds, each with its own code and token, so that the processes interleave.
    const rounds = 50;
    for (let round = 0; round < rounds; round++) {
      const grantId = `grant-${round}`;
      await store.createGrant(
        grantRecord({ id: grantId }),
        codeRecord({ grantId, hash: `code-${round}` }),
      );
      await store.createRefreshToken(refreshTokenRecord({ grantId, hash: `token-${round}` }));
    }

    // Each process opens its own connection; then all use every code and token at once.
    // With no grace window (-1: even the same millisecond is a repeat), the first rotation
    // succeeds, the next is a reuse that revokes the grant, and the rest find it revoked.
    const script = `
      const [openUrl, path, index] = process.argv.slice(1);
      const { openSqliteAuthStore } = await import(openUrl);
      const store = openSqliteAuthStore(path);
      process.stdout.write("ready\\n");
      process.stdin.once("data", async () => {
        const results = [];
        for (let round = 0; round < ${rounds}; round++) {
          const use = await store.useAuthorizationCode("code-" + round, 10_000 + Number(index));
          const next = { hash: "next-" + round + "-" + index, grantId: "", createdAt: 20_000,
            expiresAt: 90_000, rotatedAt: null };
          const rotation = await store.rotateRefreshToken("token-" + round, 20_000, -1, next);
          results.push({ usedAt: use.code.usedAt, rotation: rotation.status });
        }
        process.stdout.write(JSON.stringify(results));
        await store.close();
        process.stdin.destroy();
      });`;
    const open = compileStoreForChildProcesses();
    const processes = 6;
    const children = Array.from({ length: processes }, (_, index) =>
      spawn(process.execPath, ["--input-type=module", "-e", script, open, path, String(index)]),
    );
    const watched = children.map(watch);
    await Promise.all(watched.map(({ ready, done }) => Promise.race([ready, done])));
    for (const child of children) child.stdin.write("go\n");
    const outputs = await Promise.all(watched.map(({ done }) => done));
    const results = outputs.map(
      (stdout) =>
        JSON.parse(stdout.slice(stdout.indexOf("["))) as {
          usedAt: number | null;
          rotation: string;
        }[],
    );

    for (let round = 0; round < rounds; round++) {
      const usedAts = results.map((mine) => mine[round]!.usedAt);
      const first = usedAts.indexOf(null);
      expect(usedAts.filter((usedAt) => usedAt === null)).toHaveLength(1);
      // Everyone else saw the winner's use.
      expect(usedAts.filter((usedAt) => usedAt === 10_000 + first)).toHaveLength(processes - 1);
      const code = await store.findAuthorizationCode(`code-${round}`);
      expect(code?.usedAt).toBe(10_000 + first);

      const outcomes = results.map((mine) => mine[round]!.rotation);
      expect([...outcomes].sort()).toEqual([
        ...Array<string>(processes - 2).fill("invalid"),
        "reused",
        "rotated",
      ]);
      const rotated = outcomes.indexOf("rotated");
      for (let index = 0; index < processes; index++) {
        const successor = await store.findRefreshToken(`next-${round}-${index}`);
        expect(successor?.grantId).toBe(index === rotated ? `grant-${round}` : undefined);
      }
      expect((await store.getGrant(`grant-${round}`))?.revokedAt).toBe(20_000);
    }
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
