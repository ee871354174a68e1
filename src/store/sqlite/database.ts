import type BetterSqlite3 from "better-sqlite3";

/** How often {@link SqliteDatabase.version} asks SQLite whether another process wrote. */
const EXTERNAL_CHECK_MS = 100;

/**
 * A configured, migrated SQLite connection and the version number the stores built on it
 * report: it counts the writes made through this object and notices, within 100 ms, the
 * commits of other processes on the same file.
 */
export class SqliteDatabase {
  protected readonly db: BetterSqlite3.Database;
  /** Writes through this object, for {@link version}. */
  #writes = 0;
  /** SQLite's `data_version`: changes when another connection commits. */
  #external = 0;
  #externalCheckedAt = 0;
  readonly #dataVersion: BetterSqlite3.Statement<[], unknown>;

  constructor(db: BetterSqlite3.Database) {
    this.db = db;
    this.#dataVersion = db.prepare("PRAGMA data_version").pluck();
  }

  /** Count a write about to be made through this object. */
  protected wrote(): void {
    this.#writes++;
  }

  /** A number that changes whenever what is stored may have changed. */
  version(): number {
    const now = Date.now();
    if (now - this.#externalCheckedAt >= EXTERNAL_CHECK_MS) {
      this.#externalCheckedAt = now;
      this.#external = this.#dataVersion.get() as number;
    }
    // Both only grow; any change to either changes the sum.
    return this.#writes + this.#external;
  }

  /** Close the connection. */
  async close(): Promise<void> {
    this.db.close();
  }
}
