import type {
  ApiKeyRecord,
  AuthorizationCodeRecord,
  ConsentRecord,
  GrantRecord,
  OAuthClientRecord,
  RefreshTokenRecord,
  SigningKeyRecord,
  UserRecord,
} from "../types.js";

/**
 * How records sit in SQLite rows. Statements alias columns to the record's field names,
 * so only booleans (0/1), scopes (a JSON array) and client metadata (a JSON object) need
 * converting.
 */

/** The columns of `users`, aliased to {@link UserRecord}'s fields. */
export const USER_COLUMNS = `id, username, display_name AS displayName,
  password_hash AS passwordHash, disabled, created_at AS createdAt, updated_at AS updatedAt`;

/** The columns of `api_keys`, aliased to {@link ApiKeyRecord}'s fields. */
export const API_KEY_COLUMNS = `id, name, owner_id AS ownerId, scopes, hash, prefix,
  created_at AS createdAt, expires_at AS expiresAt, last_used_at AS lastUsedAt,
  revoked_at AS revokedAt`;

/** The columns of `oauth_clients`, aliased to {@link OAuthClientRecord}'s fields. */
export const CLIENT_COLUMNS = `id, secret_hash AS secretHash, metadata, created_at AS createdAt`;

/** The columns of `grants`, aliased to {@link GrantRecord}'s fields. */
export const GRANT_COLUMNS = `id, user_id AS userId, client_id AS clientId, scopes, resource,
  created_at AS createdAt, revoked_at AS revokedAt`;

/** The columns of `authorization_codes`, aliased to {@link AuthorizationCodeRecord}'s fields. */
export const CODE_COLUMNS = `hash, grant_id AS grantId, redirect_uri AS redirectUri,
  code_challenge AS codeChallenge, created_at AS createdAt, expires_at AS expiresAt,
  used_at AS usedAt`;

/** The columns of `refresh_tokens`, aliased to {@link RefreshTokenRecord}'s fields. */
export const REFRESH_TOKEN_COLUMNS = `hash, grant_id AS grantId, created_at AS createdAt,
  expires_at AS expiresAt, rotated_at AS rotatedAt`;

/** The columns of `consents`, aliased to {@link ConsentRecord}'s fields. */
export const CONSENT_COLUMNS = `user_id AS userId, client_id AS clientId, resource, scopes,
  granted_at AS grantedAt`;

/** The columns of `signing_keys`, aliased to {@link SigningKeyRecord}'s fields. */
export const SIGNING_KEY_COLUMNS = `kid, alg, private_jwk AS privateJwk, public_jwk AS publicJwk,
  created_at AS createdAt, retired_at AS retiredAt`;

/** A `users` row as {@link USER_COLUMNS} reads it. */
export type UserRow = Omit<UserRecord, "disabled"> & { disabled: number };

/** An `api_keys` row as {@link API_KEY_COLUMNS} reads it. */
export type ApiKeyRow = Omit<ApiKeyRecord, "scopes"> & { scopes: string };

/** An `oauth_clients` row as {@link CLIENT_COLUMNS} reads it. */
export type ClientRow = Omit<OAuthClientRecord, "metadata"> & { metadata: string };

/** A `grants` row as {@link GRANT_COLUMNS} reads it. */
export type GrantRow = Omit<GrantRecord, "scopes"> & { scopes: string };

/** An `authorization_codes` row as {@link CODE_COLUMNS} reads it: the record itself. */
export type CodeRow = AuthorizationCodeRecord;

/** A `refresh_tokens` row as {@link REFRESH_TOKEN_COLUMNS} reads it: the record itself. */
export type RefreshTokenRow = RefreshTokenRecord;

/** A `consents` row as {@link CONSENT_COLUMNS} reads it. */
export type ConsentRow = Omit<ConsentRecord, "scopes"> & { scopes: string };

/** A `signing_keys` row as {@link SIGNING_KEY_COLUMNS} reads it: the record itself. */
export type SigningKeyRow = SigningKeyRecord;

/** Named parameters of the `users` insert. */
export type UserParams = UserRow;

/** Named parameters of the `api_keys` insert. */
export type ApiKeyParams = ApiKeyRow;

/** Named parameters of the `oauth_clients` insert. */
export type ClientParams = ClientRow;

/** Named parameters of the `grants` insert. */
export type GrantParams = GrantRow;

/** Named parameters of the `authorization_codes` insert. */
export type CodeParams = CodeRow;

/** Named parameters of the `refresh_tokens` insert. */
export type RefreshTokenParams = RefreshTokenRow;

/** Named parameters of the `consents` upsert. */
export type ConsentParams = ConsentRow;

/** Named parameters of the `signing_keys` insert. */
export type SigningKeyParams = SigningKeyRow;

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
  return { ...row, scopes: parseScopes(row.scopes, `API key '${row.id}'`) };
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

/** A row read back as a record. */
export function clientFromRow(row: ClientRow): OAuthClientRecord {
  const metadata: unknown = JSON.parse(row.metadata);
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata))
    throw new Error(
      `OAuth client '${row.id}' has malformed metadata in the database: ${row.metadata}`,
    );
  return { ...row, metadata: metadata as Record<string, unknown> };
}

/** A record as the parameters that write it. */
export function clientToParams(client: OAuthClientRecord): ClientParams {
  return {
    id: client.id,
    secretHash: client.secretHash,
    metadata: JSON.stringify(client.metadata),
    createdAt: client.createdAt,
  };
}

/** A row read back as a record. */
export function grantFromRow(row: GrantRow): GrantRecord {
  return { ...row, scopes: parseScopes(row.scopes, `Grant '${row.id}'`) };
}

/** A record as the parameters that write it. */
export function grantToParams(grant: GrantRecord): GrantParams {
  return {
    id: grant.id,
    userId: grant.userId,
    clientId: grant.clientId,
    scopes: JSON.stringify(grant.scopes),
    resource: grant.resource,
    createdAt: grant.createdAt,
    revokedAt: grant.revokedAt,
  };
}

/** A record as the parameters that write it. */
export function codeToParams(code: AuthorizationCodeRecord): CodeParams {
  return {
    hash: code.hash,
    grantId: code.grantId,
    redirectUri: code.redirectUri,
    codeChallenge: code.codeChallenge,
    createdAt: code.createdAt,
    expiresAt: code.expiresAt,
    usedAt: code.usedAt,
  };
}

/** A record as the parameters that write it. */
export function refreshTokenToParams(token: RefreshTokenRecord): RefreshTokenParams {
  return {
    hash: token.hash,
    grantId: token.grantId,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    rotatedAt: token.rotatedAt,
  };
}

/** A row read back as a record. */
export function consentFromRow(row: ConsentRow): ConsentRecord {
  const owner = `The consent of user '${row.userId}' for client '${row.clientId}'`;
  return { ...row, scopes: parseScopes(row.scopes, owner) };
}

/** A record as the parameters that write it. */
export function consentToParams(consent: ConsentRecord): ConsentParams {
  return {
    userId: consent.userId,
    clientId: consent.clientId,
    resource: consent.resource,
    scopes: JSON.stringify(consent.scopes),
    grantedAt: consent.grantedAt,
  };
}

/** A record as the parameters that write it. */
export function signingKeyToParams(key: SigningKeyRecord): SigningKeyParams {
  return {
    kid: key.kid,
    alg: key.alg,
    privateJwk: key.privateJwk,
    publicJwk: key.publicJwk,
    createdAt: key.createdAt,
    retiredAt: key.retiredAt,
  };
}

/** The scopes column of the row `owner` names ("API key 'key-1'"). */
function parseScopes(json: string, owner: string): string[] {
  const scopes: unknown = JSON.parse(json);
  // A hand-edited row must not widen or crash authorization: refuse it plainly.
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === "string"))
    throw new Error(`${owner} has malformed scopes in the database: ${json}`);
  return scopes;
}
