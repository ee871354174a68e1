import { BerthError, JsonRpcCode } from "../errors.js";

/**
 * What Berth keeps, as records and the store interfaces over them. Every implementation
 * (memory for tests, SQLite embedded by default, PostgreSQL to scale out) passes one
 * shared contract test suite. Times are milliseconds since the epoch.
 */

/** A person who can sign in. */
export interface UserRecord {
  /** Stable identifier, the `sub` of tokens issued for the user. */
  id: string;
  /** Unique sign-in name, compared case-insensitively (stored lower-cased). */
  username: string;
  displayName: string | null;
  /** scrypt hash in the `auth/password` format, or null for users who sign in elsewhere. */
  passwordHash: string | null;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

/** An API key. The key itself is never stored: only its SHA-256 hash. */
export interface ApiKeyRecord {
  id: string;
  /** Human name, unique per owner. */
  name: string;
  /** The user the key acts as. */
  ownerId: string;
  scopes: string[];
  /** Hex SHA-256 of the full key. */
  hash: string;
  /** The key's first characters, to recognise it in listings. */
  prefix: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

/** The fields of a user that may change. */
export type UserPatch = Partial<Pick<UserRecord, "displayName" | "passwordHash" | "disabled">>;

/** Users. */
export interface UserStore {
  /** Add a user; {@link StoreConflictError} when the username is taken. */
  createUser(user: UserRecord): Promise<void>;
  getUser(id: string): Promise<UserRecord | undefined>;
  /** The user with this username, ignoring case. */
  findUserByName(username: string): Promise<UserRecord | undefined>;
  /** Change a user; returns the updated record, or undefined when there is none. */
  updateUser(id: string, patch: UserPatch, at: number): Promise<UserRecord | undefined>;
  /** Every user, by username. */
  listUsers(): Promise<UserRecord[]>;
}

/** API keys. */
export interface ApiKeyStore {
  /** Add a key; {@link StoreConflictError} when its owner has a key of that name, or the hash exists. */
  createApiKey(key: ApiKeyRecord): Promise<void>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  /** Keys of one owner, or of everyone, newest first. */
  listApiKeys(ownerId?: string): Promise<ApiKeyRecord[]>;
  /** Mark a key revoked; false when there is no such key or it was already revoked. */
  revokeApiKey(id: string, at: number): Promise<boolean>;
  /** Record that a key was used. */
  touchApiKey(id: string, at: number): Promise<void>;
}

/** A client registered through Dynamic Client Registration (RFC 7591). */
export interface OAuthClientRecord {
  /** The `client_id` Berth issued. */
  id: string;
  /** Hex SHA-256 of the client secret, or null for a public client. */
  secretHash: string | null;
  /** The registered client metadata, as Berth validated and stored it. */
  metadata: Record<string, unknown>;
  createdAt: number;
}

/**
 * What one user allowed one client at one sign-in: every authorization code, refresh token
 * and access token issued from that sign-in belongs to it, and revoking it ends them all.
 */
export interface GrantRecord {
  id: string;
  userId: string;
  clientId: string;
  scopes: string[];
  /** The resource (RFC 8707) the tokens are for. */
  resource: string;
  createdAt: number;
  revokedAt: number | null;
}

/** An authorization code. The code itself is never stored: only its SHA-256 hash. */
export interface AuthorizationCodeRecord {
  /** Hex SHA-256 of the code. */
  hash: string;
  grantId: string;
  redirectUri: string;
  /** The PKCE S256 challenge. */
  codeChallenge: string;
  createdAt: number;
  expiresAt: number;
  /** When the code was exchanged; a second exchange is a replay. */
  usedAt: number | null;
}

/** A refresh token, stored by its SHA-256 hash. */
export interface RefreshTokenRecord {
  /** Hex SHA-256 of the token. */
  hash: string;
  grantId: string;
  createdAt: number;
  expiresAt: number;
  /** When it was first exchanged for a new one. */
  rotatedAt: number | null;
}

/** The outcome of {@link OAuthStore.rotateRefreshToken}. */
export type RefreshRotation =
  /** The token was good: its successor is stored. */
  | { status: "rotated"; grant: GrantRecord }
  /** The token was used again after the grace window: its grant is now revoked. */
  | { status: "reused"; grant: GrantRecord }
  /** Unknown or expired token, or its grant was revoked. */
  | { status: "invalid" };

/** Scopes a user has allowed a client at one resource, so consent is asked once. */
export interface ConsentRecord {
  userId: string;
  clientId: string;
  /** The resource (RFC 8707) the client was allowed to use: each server is asked for apart. */
  resource: string;
  scopes: string[];
  grantedAt: number;
}

/** A key that signs access tokens. */
export interface SigningKeyRecord {
  /** The JWK key id. */
  kid: string;
  /** The JWS algorithm, such as `ES256`. */
  alg: string;
  /** The private key as a JSON-serialised JWK. */
  privateJwk: string;
  /** The public key as a JSON-serialised JWK. */
  publicJwk: string;
  createdAt: number;
  /** When it stopped signing; it is still published until the tokens it signed expire. */
  retiredAt: number | null;
}

/** State of the built-in OAuth authorization server. */
export interface OAuthStore {
  /** Add a registered client; {@link StoreConflictError} when the id exists. */
  createClient(client: OAuthClientRecord): Promise<void>;
  getClient(id: string): Promise<OAuthClientRecord | undefined>;
  /** Store a new grant together with the authorization code that starts it. */
  createGrant(grant: GrantRecord, code: AuthorizationCodeRecord): Promise<void>;
  getGrant(id: string): Promise<GrantRecord | undefined>;
  /** Mark a grant revoked; false when there is none or it already was. */
  revokeGrant(id: string, at: number): Promise<boolean>;
  /** The code with this hash, used or not, or undefined. */
  findAuthorizationCode(hash: string): Promise<AuthorizationCodeRecord | undefined>;
  /**
   * Mark a code used, atomically. Returns the code as it was before this call (so
   * `usedAt !== null` means a replay) with its grant, or undefined for an unknown code.
   */
  useAuthorizationCode(
    hash: string,
    at: number,
  ): Promise<{ code: AuthorizationCodeRecord; grant: GrantRecord } | undefined>;
  /** Store a refresh token; its grant must exist. */
  createRefreshToken(token: RefreshTokenRecord): Promise<void>;
  findRefreshToken(hash: string): Promise<RefreshTokenRecord | undefined>;
  /**
   * Exchange the refresh token `hash` for `next` (same grant), atomically:
   * - unknown, expired (`expiresAt <= at`) or grant revoked → `invalid`, nothing stored;
   * - first use, or a repeat within `graceMs` of the first use (two requests refreshing at
   *   once) → `next` stored, `rotated`;
   * - a repeat after the grace window → the grant is revoked, `reused`.
   * The first use of a token also retires every other unused token of its grant (marks them
   * used at time 0): two live chains in one grant mean one was forked by a replay within
   * the grace window, so whichever is used second counts as reuse.
   * `next.grantId` is ignored: the successor always joins the presented token's grant.
   */
  rotateRefreshToken(
    hash: string,
    at: number,
    graceMs: number,
    next: RefreshTokenRecord,
  ): Promise<RefreshRotation>;
  getConsent(
    userId: string,
    clientId: string,
    resource: string,
  ): Promise<ConsentRecord | undefined>;
  /** Store (or replace) what a user allowed a client at a resource. */
  saveConsent(consent: ConsentRecord): Promise<void>;
  /** Add a signing key; {@link StoreConflictError} when the kid exists. */
  createSigningKey(key: SigningKeyRecord): Promise<void>;
  /** Every signing key, newest first. */
  listSigningKeys(): Promise<SigningKeyRecord[]>;
  /** Stop a key signing; false when there is none or it already stopped. */
  retireSigningKey(kid: string, at: number): Promise<boolean>;
  /**
   * The secret named `name`, storing `value` under it first if there is none yet. Several
   * processes starting at once all get the value the first of them stored.
   */
  ensureSecret(name: string, value: string): Promise<string>;
  /**
   * Delete codes and refresh tokens that expired before `before`, and signing keys retired
   * before it. Returns how many records went.
   */
  purgeExpired(before: number): Promise<number>;
  /**
   * Delete registered clients created before `before` that no grant names, revoked or not:
   * registrations nobody ever signed in with. Returns how many went.
   */
  purgeUnusedClients(before: number): Promise<number>;
}

/** Everything the authorization layer keeps. */
export interface AuthStore extends UserStore, ApiKeyStore, OAuthStore {
  /**
   * A number that changes whenever what is stored may have changed: at once for writes
   * through this object, and within 100 ms for writes by other processes on the same
   * database. Cheap enough to call on every request, so readers can keep what they read
   * (the caller behind a credential) until it changes.
   */
  version(): number;
  /** Release connections and files. */
  close(): Promise<void>;
}

/** A write would break a uniqueness rule; nothing was changed. */
export class StoreConflictError extends BerthError {
  constructor(message: string) {
    super("ERR_STORE_CONFLICT", JsonRpcCode.InvalidParams, message, { status: 409 });
  }
}
