import type BetterSqlite3 from "better-sqlite3";

/** One step of the SQLite schema. Its version is stored in `PRAGMA user_version`. */
export interface Migration {
  /** 1 for the first migration, then one more for each. */
  version: number;
  /** What the step adds, for error messages. */
  name: string;
  /** Statements run in one transaction with the version bump. */
  sql: string;
}

/**
 * Bring `db` up to the last of `migrations`; returns the schema version it ends at.
 * Everything runs in one IMMEDIATE transaction that reads the version first, so two
 * processes opening a new file at once migrate it once, and a failed step leaves the
 * file as it was. A file from a newer Berth is refused rather than written to.
 */
export function migrate(db: BetterSqlite3.Database, migrations: readonly Migration[]): number {
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1)
      throw new Error(
        `Migration '${migration.name}' has version ${migration.version}, expected ${index + 1}`,
      );
  });
  const latest = migrations.length;
  const run = db.transaction(() => {
    const current = db.pragma("user_version", { simple: true }) as number;
    if (current > latest)
      throw new Error(
        `its schema version is ${current}, newer than this version of Berth knows (${latest}); upgrade Berth`,
      );
    for (const migration of migrations.slice(current)) {
      try {
        db.exec(migration.sql);
      } catch (error) {
        throw new Error(
          `migration ${migration.version} (${migration.name}) failed: ${(error as Error).message}`,
          { cause: error },
        );
      }
      // The version bump is part of the transaction: a failed step leaves no trace.
      db.pragma(`user_version = ${migration.version}`);
    }
    return latest;
  });
  return run.immediate();
}
