import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { SqliteAuthStore } from "./auth-store.js";
import { migrate } from "./migrate.js";
import { MIGRATIONS } from "./migrations/index.js";

/**
 * How long a write waits for another connection's write to finish. The `berth` CLI
 * writes to the file the running server uses; a wait this short is invisible to both.
 */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Open (creating it and its folder if needed) the SQLite database at `path` and migrate it
 * to the current schema. `":memory:"` gives a private database that ends with `close()`.
 * Several processes may open the same file: it runs in WAL mode, so readers never wait,
 * and a writer waits up to 5 s for another.
 *
 * @example
 * const store = openSqliteAuthStore("/var/lib/berth/berth.db");
 * const user = await store.findUserByName("alice");
 * await store.close();
 */
export function openSqliteAuthStore(path: string): SqliteAuthStore {
  let db: BetterSqlite3.Database | undefined;
  try {
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    db = new BetterSqlite3(path, { timeout: BUSY_TIMEOUT_MS });
    db.pragma("journal_mode = WAL");
    db.pragma("foreign_keys = ON");
    migrate(db, MIGRATIONS);
    return new SqliteAuthStore(db);
  } catch (error) {
    db?.close();
    throw new Error(`Cannot open the Berth database at ${path}: ${explain(error)}`, {
      cause: error,
    });
  }
}

function explain(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "SQLITE_NOTADB" || code === "SQLITE_CORRUPT")
    return `${message}. The file is not a usable SQLite database: restore it from a backup, or move it away to start an empty one`;
  return message;
}
