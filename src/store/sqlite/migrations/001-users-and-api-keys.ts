import type { Migration } from "../migrate.js";

/** Users and their API keys. */
export const usersAndApiKeys: Migration = {
  version: 1,
  name: "users and api keys",
  // No IF NOT EXISTS: a file holding someone else's tables of these names must fail loudly.
  sql: `
    CREATE TABLE users (
      id            TEXT PRIMARY KEY,
      username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
      display_name  TEXT,
      password_hash TEXT,
      disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
      created_at    INTEGER NOT NULL,
      updated_at    INTEGER NOT NULL
    );

    CREATE TABLE api_keys (
      id           TEXT PRIMARY KEY,
      name         TEXT NOT NULL,
      owner_id     TEXT NOT NULL REFERENCES users (id),
      scopes       TEXT NOT NULL CHECK (json_valid(scopes)),
      hash         TEXT NOT NULL UNIQUE,
      prefix       TEXT NOT NULL,
      created_at   INTEGER NOT NULL,
      expires_at   INTEGER,
      last_used_at INTEGER,
      revoked_at   INTEGER,
      UNIQUE (owner_id, name)
    );
  `,
};
