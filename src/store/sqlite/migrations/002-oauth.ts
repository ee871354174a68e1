import type { Migration } from "../migrate.js";

/** The built-in OAuth authorization server: clients, grants and their tokens, keys. */
export const oauth: Migration = {
  version: 2,
  name: "oauth",
  // client_id has no foreign key: a client can also be known by the URL of its metadata
  // document rather than registered here. Codes and refresh tokens go with their grant,
  // indexed by it so that deleting a grant does not scan them. The expiry indexes are for
  // purging; a handful of signing keys needs none.
  sql: `
    CREATE TABLE oauth_clients (
      id          TEXT PRIMARY KEY,
      secret_hash TEXT,
      metadata    TEXT NOT NULL CHECK (json_valid(metadata)),
      created_at  INTEGER NOT NULL
    );

    CREATE TABLE grants (
      id         TEXT PRIMARY KEY,
      user_id    TEXT NOT NULL REFERENCES users (id),
      client_id  TEXT NOT NULL,
      scopes     TEXT NOT NULL CHECK (json_valid(scopes)),
      resource   TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      revoked_at INTEGER
    );

    CREATE TABLE authorization_codes (
      hash           TEXT PRIMARY KEY,
      grant_id       TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
      redirect_uri   TEXT NOT NULL,
      code_challenge TEXT NOT NULL,
      created_at     INTEGER NOT NULL,
      expires_at     INTEGER NOT NULL,
      used_at        INTEGER
    );
    CREATE INDEX authorization_codes_grant_id ON authorization_codes (grant_id);
    CREATE INDEX authorization_codes_expires_at ON authorization_codes (expires_at);

    CREATE TABLE refresh_tokens (
      hash       TEXT PRIMARY KEY,
      grant_id   TEXT NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
      created_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      rotated_at INTEGER
    );
    CREATE INDEX refresh_tokens_grant_id ON refresh_tokens (grant_id);
    CREATE INDEX refresh_tokens_expires_at ON refresh_tokens (expires_at);

    CREATE TABLE consents (
      user_id    TEXT NOT NULL REFERENCES users (id),
      client_id  TEXT NOT NULL,
      scopes     TEXT NOT NULL CHECK (json_valid(scopes)),
      granted_at INTEGER NOT NULL,
      PRIMARY KEY (user_id, client_id)
    );

    CREATE TABLE signing_keys (
      kid         TEXT PRIMARY KEY,
      alg         TEXT NOT NULL,
      private_jwk TEXT NOT NULL CHECK (json_valid(private_jwk)),
      public_jwk  TEXT NOT NULL CHECK (json_valid(public_jwk)),
      created_at  INTEGER NOT NULL,
      retired_at  INTEGER
    );

    CREATE TABLE secrets (
      name  TEXT PRIMARY KEY,
      value TEXT NOT NULL
    );
  `,
};
