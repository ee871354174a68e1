import BetterSqlite3 from "better-sqlite3";

/** An error better-sqlite3 threw for SQLite. */
type SqliteError = InstanceType<typeof BetterSqlite3.SqliteError>;

/** Whether `error` is SQLite's error with this extended code (`SQLITE_CONSTRAINT_CHECK`). */
export function isSqliteError(error: unknown, code: string): error is SqliteError {
  return error instanceof BetterSqlite3.SqliteError && error.code === code;
}

/** The columns a UNIQUE or PRIMARY KEY violation names ("users.username"), if it is one. */
export function uniqueColumns(error: unknown): string | undefined {
  if (
    !isSqliteError(error, "SQLITE_CONSTRAINT_UNIQUE") &&
    !isSqliteError(error, "SQLITE_CONSTRAINT_PRIMARYKEY")
  )
    return undefined;
  // SQLite words it "UNIQUE constraint failed: <table>.<column>[, <table>.<column>]".
  return /constraint failed: (.*)$/.exec(error.message)?.[1];
}
