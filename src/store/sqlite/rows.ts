import type { ApiKeyRecord, UserRecord } from "../types.js";

/**
 * How records sit in SQLite rows. Statements alias columns to the record's field names,
 * so only booleans (0/1) and scopes (a JSON array) need converting.
 */

/** The columns of `users`, aliased to {@link UserRecord}'s fields. */
export const USER_COLUMNS = `id, username, display_name AS displayName,
  password_hash AS passwordHash, disabled, created_at AS createdAt, updated_at AS updatedAt`;

/** The columns of `api_keys`, aliased to {@link ApiKeyRecord}'s fields. */
export const API_KEY_COLUMNS = `id, name, owner_id AS ownerId, scopes, hash, prefix,
  created_at AS createdAt, expires_at AS expiresAt, last_used_at AS lastUsedAt,
  revoked_at AS revokedAt`;

/** A `users` row as {@link USER_COLUMNS} reads it. */
export type UserRow = Omit<UserRecord, "disabled"> & { disabled: number };

/** An `api_keys` row as {@link API_KEY_COLUMNS} reads it. */
export type ApiKeyRow = Omit<ApiKeyRecord, "scopes"> & { scopes: string };

/** Named parameters of the `users` insert. */
export type UserParams = UserRow;

/** Named parameters of the `api_keys` insert. */
export type ApiKeyParams = ApiKeyRow;

/** A row read back as a record. */
export function userFromRow(row: UserRow): UserRecord {
  return { ...row, disabled: row.disabled === 1 };
}

/** A record as the parameters that write it. */
export function userToParams(user: UserRecord): UserParams {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    passwordHash: user.passwordHash,
    disabled: user.disabled ? 1 : 0,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** A row read back as a record. */
export function apiKeyFromRow(row: ApiKeyRow): ApiKeyRecord {
  return { ...row, scopes: parseScopes(row) };
}

/** A record as the parameters that write it. */
export function apiKeyToParams(key: ApiKeyRecord): ApiKeyParams {
  return {
    id: key.id,
    name: key.name,
    ownerId: key.ownerId,
    scopes: JSON.stringify(key.scopes),
    hash: key.hash,
    prefix: key.prefix,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
  };
}

function parseScopes(row: ApiKeyRow): string[] {
  const scopes: unknown = JSON.parse(row.scopes);
  // A hand-edited row must not widen or crash authorization: refuse it plainly.
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === "string"))
    throw new Error(`API key '${row.id}' has malformed scopes in the database: ${row.scopes}`);
  return scopes;
}
