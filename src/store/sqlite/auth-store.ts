import BetterSqlite3 from "better-sqlite3";
import {
  apiKeyHashTaken,
  apiKeyIdTaken,
  apiKeyNameTaken,
  authorizationCodeTaken,
  clientIdTaken,
  codeOfAnotherGrant,
  grantIdTaken,
  malformedSigningKey,
  refreshTokenTaken,
  signingKeyTaken,
  unknownApiKeyOwner,
  unknownConsentUser,
  unknownGrant,
  unknownGrantUser,
  userIdTaken,
  usernameTaken,
} from "../errors.js";
import type {
  ApiKeyRecord,
  AuthorizationCodeRecord,
  AuthStore,
  ConsentRecord,
  GrantRecord,
  OAuthClientRecord,
  RefreshRotation,
  RefreshTokenRecord,
  SigningKeyRecord,
  UserPatch,
  UserRecord,
} from "../types.js";
import {
  API_KEY_COLUMNS,
  type ApiKeyParams,
  type ApiKeyRow,
  apiKeyFromRow,
  apiKeyToParams,
  CLIENT_COLUMNS,
  type ClientParams,
  type ClientRow,
  CODE_COLUMNS,
  CONSENT_COLUMNS,
  type CodeParams,
  type CodeRow,
  type ConsentParams,
  type ConsentRow,
  clientFromRow,
  clientToParams,
  codeToParams,
  consentFromRow,
  consentToParams,
  GRANT_COLUMNS,
  type GrantParams,
  type GrantRow,
  grantFromRow,
  grantToParams,
  REFRESH_TOKEN_COLUMNS,
  type RefreshTokenParams,
  type RefreshTokenRow,
  refreshTokenToParams,
  SIGNING_KEY_COLUMNS,
  type SigningKeyParams,
  type SigningKeyRow,
  signingKeyToParams,
  USER_COLUMNS,
  type UserParams,
  type UserRow,
  userFromRow,
  userToParams,
} from "./rows.js";

type Statement<P extends unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;

/** How often {@link SqliteAuthStore.version} asks SQLite whether another process wrote. */
const EXTERNAL_CHECK_MS = 100;
type Transaction<F extends (...args: never[]) => unknown> = BetterSqlite3.Transaction<F>;
type CodeUse = { code: AuthorizationCodeRecord; grant: GrantRecord } | undefined;

/** Named parameters of the user update: each field with a flag saying whether to set it. */
interface UserUpdateParams {
  id: string;
  at: number;
  setDisplayName: number;
  displayName: string | null;
  setPasswordHash: number;
  passwordHash: string | null;
  setDisabled: number;
  disabled: number;
}

/**
 * The embedded {@link AuthStore} on SQLite. Open it with `openSqliteAuthStore`, which
 * configures the connection and migrates the schema; every statement is prepared here,
 * once, and reused for each request. Each write is one statement, or one transaction, so
 * a refused write changes nothing. A write that reads first runs in an IMMEDIATE
 * transaction, which holds the file's write lock from its first read: two processes never
 * both find a code unused or a refresh token unrotated.
 */
export class SqliteAuthStore implements AuthStore {
  /** Writes through this object, for {@link version}. */
  #writes = 0;
  /** SQLite's `data_version`: changes when another connection commits. */
  #external = 0;
  #externalCheckedAt = 0;
  readonly #dataVersion: BetterSqlite3.Statement<[], unknown>;
  readonly #db: BetterSqlite3.Database;
  readonly #insertUser: Statement<[UserParams]>;
  readonly #getUser: Statement<[string], UserRow>;
  readonly #findUserByName: Statement<[string], UserRow>;
  readonly #updateUser: Statement<[UserUpdateParams], UserRow>;
  readonly #listUsers: Statement<[], UserRow>;
  readonly #insertApiKey: Statement<[ApiKeyParams]>;
  readonly #findApiKeyByHash: Statement<[string], ApiKeyRow>;
  readonly #getApiKey: Statement<[string], ApiKeyRow>;
  readonly #listApiKeysOf: Statement<[string], ApiKeyRow>;
  readonly #listApiKeys: Statement<[], ApiKeyRow>;
  readonly #revokeApiKey: Statement<[number, string]>;
  readonly #touchApiKey: Statement<[{ id: string; at: number }]>;
  readonly #insertClient: Statement<[ClientParams]>;
  readonly #getClient: Statement<[string], ClientRow>;
  readonly #insertGrant: Statement<[GrantParams]>;
  readonly #getGrant: Statement<[string], GrantRow>;
  readonly #revokeGrant: Statement<[number, string]>;
  readonly #insertCode: Statement<[CodeParams]>;
  readonly #getCode: Statement<[string], CodeRow>;
  readonly #useCode: Statement<[number, string]>;
  readonly #insertRefreshToken: Statement<[RefreshTokenParams]>;
  readonly #getRefreshToken: Statement<[string], RefreshTokenRow>;
  readonly #markRotated: Statement<[number, string]>;
  readonly #getConsent: Statement<[string, string, string], ConsentRow>;
  readonly #saveConsent: Statement<[ConsentParams]>;
  readonly #insertSigningKey: Statement<[SigningKeyParams]>;
  readonly #listSigningKeys: Statement<[], SigningKeyRow>;
  readonly #retireSigningKey: Statement<[number, string]>;
  readonly #insertSecret: Statement<[string, string]>;
  readonly #getSecret: Statement<[string], { value: string }>;
  readonly #purgeCodes: Statement<[number]>;
  readonly #purgeRefreshTokens: Statement<[number]>;
  readonly #purgeSigningKeys: Statement<[number]>;
  readonly #purgeUnusedClients: Statement<[number]>;
  readonly #createGrant: Transaction<(grant: GrantRecord, code: AuthorizationCodeRecord) => void>;
  readonly #useAuthorizationCode: Transaction<(hash: string, at: number) => CodeUse>;
  readonly #retireSiblings: Statement<[string, string]>;
  readonly #rotateRefreshToken: Transaction<
    (hash: string, at: number, graceMs: number, next: RefreshTokenRecord) => RefreshRotation
  >;
  readonly #purgeExpired: Transaction<(before: number) => number>;

  /** Wraps a connection that `openSqliteAuthStore` has configured and migrated. */
  constructor(db: BetterSqlite3.Database) {
    this.#db = db;
    this.#dataVersion = db.prepare("PRAGMA data_version").pluck();
    this.#insertUser = db.prepare(
      `INSERT INTO users (id, username, display_name, password_hash, disabled, created_at, updated_at)
       VALUES (@id, @username, @displayName, @passwordHash, @disabled, @createdAt, @updatedAt)`,
    );
    this.#getUser = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`);
    // The column is COLLATE NOCASE, so this ignores case.
    this.#findUserByName = db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`);
    this.#updateUser = db.prepare(
      `UPDATE users SET
         display_name = CASE WHEN @setDisplayName THEN @displayName ELSE display_name END,
         password_hash = CASE WHEN @setPasswordHash THEN @passwordHash ELSE password_hash END,
         disabled = CASE WHEN @setDisabled THEN @disabled ELSE disabled END,
         updated_at = @at
       WHERE id = @id
       RETURNING ${USER_COLUMNS}`,
    );
    this.#listUsers = db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY username`);
    this.#insertApiKey = db.prepare(
      `INSERT INTO api_keys (id, name, owner_id, scopes, hash, prefix, created_at, expires_at,
         last_used_at, revoked_at)
       VALUES (@id, @name, @ownerId, @scopes, @hash, @prefix, @createdAt, @expiresAt,
         @lastUsedAt, @revokedAt)`,
    );
    this.#findApiKeyByHash = db.prepare(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE hash = ?`);
    this.#getApiKey = db.prepare(`SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE id = ?`);
    this.#listApiKeysOf = db.prepare(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys WHERE owner_id = ? ORDER BY created_at DESC, id DESC`,
    );
    this.#listApiKeys = db.prepare(
      `SELECT ${API_KEY_COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC`,
    );
    this.#revokeApiKey = db.prepare(
      "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
    );
    // Requests can finish out of order; the latest use wins.
    this.#touchApiKey = db.prepare(
      `UPDATE api_keys SET last_used_at = @at
       WHERE id = @id AND (last_used_at IS NULL OR last_used_at < @at)`,
    );
    this.#insertClient = db.prepare(
      `INSERT INTO oauth_clients (id, secret_hash, metadata, created_at)
       VALUES (@id, @secretHash, @metadata, @createdAt)`,
    );
    this.#getClient = db.prepare(`SELECT ${CLIENT_COLUMNS} FROM oauth_clients WHERE id = ?`);
    this.#insertGrant = db.prepare(
      `INSERT INTO grants (id, user_id, client_id, scopes, resource, created_at, revoked_at)
       VALUES (@id, @userId, @clientId, @scopes, @resource, @createdAt, @revokedAt)`,
    );
    this.#getGrant = db.prepare(`SELECT ${GRANT_COLUMNS} FROM grants WHERE id = ?`);
    this.#revokeGrant = db.prepare(
      "UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
    );
    this.#insertCode = db.prepare(
      `INSERT INTO authorization_codes (hash, grant_id, redirect_uri, code_challenge, created_at,
         expires_at, used_at)
       VALUES (@hash, @grantId, @redirectUri, @codeChallenge, @createdAt, @expiresAt, @usedAt)`,
    );
    this.#getCode = db.prepare(`SELECT ${CODE_COLUMNS} FROM authorization_codes WHERE hash = ?`);
    this.#useCode = db.prepare(
      "UPDATE authorization_codes SET used_at = ? WHERE hash = ? AND used_at IS NULL",
    );
    this.#insertRefreshToken = db.prepare(
      `INSERT INTO refresh_tokens (hash, grant_id, created_at, expires_at, rotated_at)
       VALUES (@hash, @grantId, @createdAt, @expiresAt, @rotatedAt)`,
    );
    this.#getRefreshToken = db.prepare(
      `SELECT ${REFRESH_TOKEN_COLUMNS} FROM refresh_tokens WHERE hash = ?`,
    );
    this.#markRotated = db.prepare(
      "UPDATE refresh_tokens SET rotated_at = ? WHERE hash = ? AND rotated_at IS NULL",
    );
    this.#getConsent = db.prepare(
      `SELECT ${CONSENT_COLUMNS} FROM consents WHERE user_id = ? AND client_id = ? AND resource = ?`,
    );
    this.#saveConsent = db.prepare(
      `INSERT INTO consents (user_id, client_id, resource, scopes, granted_at)
       VALUES (@userId, @clientId, @resource, @scopes, @grantedAt)
       ON CONFLICT (user_id, client_id, resource)
         DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
    );
    this.#insertSigningKey = db.prepare(
      `INSERT INTO signing_keys (kid, alg, private_jwk, public_jwk, created_at, retired_at)
       VALUES (@kid, @alg, @privateJwk, @publicJwk, @createdAt, @retiredAt)`,
    );
    this.#listSigningKeys = db.prepare(
      `SELECT ${SIGNING_KEY_COLUMNS} FROM signing_keys ORDER BY created_at DESC, kid DESC`,
    );
    this.#retireSigningKey = db.prepare(
      "UPDATE signing_keys SET retired_at = ? WHERE kid = ? AND retired_at IS NULL",
    );
    this.#insertSecret = db.prepare(
      "INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
    );
    this.#getSecret = db.prepare("SELECT value FROM secrets WHERE name = ?");
    this.#retireSiblings = db.prepare(
      "UPDATE refresh_tokens SET rotated_at = 0 WHERE grant_id = ? AND rotated_at IS NULL AND hash != ?",
    );
    this.#purgeCodes = db.prepare("DELETE FROM authorization_codes WHERE expires_at < ?");
    this.#purgeRefreshTokens = db.prepare("DELETE FROM refresh_tokens WHERE expires_at < ?");
    this.#purgeSigningKeys = db.prepare("DELETE FROM signing_keys WHERE retired_at < ?");
    this.#purgeUnusedClients = db.prepare(
      `DELETE FROM oauth_clients WHERE created_at < ?
         AND NOT EXISTS (SELECT 1 FROM grants WHERE grants.client_id = oauth_clients.id)`,
    );

    this.#createGrant = db.transaction((grant: GrantRecord, code: AuthorizationCodeRecord) => {
      this.#insertGrant.run(grantToParams(grant));
      this.#insertCode.run(codeToParams(code));
    });
    this.#useAuthorizationCode = db.transaction((hash: string, at: number): CodeUse => {
      const code = this.#getCode.get(hash);
      const grant = code && this.#getGrant.get(code.grantId);
      if (!code || !grant) return undefined;
      // A replay keeps the first use's time.
      this.#useCode.run(at, hash);
      return { code, grant: grantFromRow(grant) };
    });
    this.#rotateRefreshToken = db.transaction(
      (hash: string, at: number, graceMs: number, next: RefreshTokenRecord): RefreshRotation => {
        const token = this.#getRefreshToken.get(hash);
        const grant = token && this.#getGrant.get(token.grantId);
        if (!token || !grant || token.expiresAt <= at || grant.revokedAt !== null)
          return { status: "invalid" };
        if (token.rotatedAt !== null && at - token.rotatedAt > graceMs) {
          this.#revokeGrant.run(at, grant.id);
          return { status: "reused", grant: grantFromRow({ ...grant, revokedAt: at }) };
        }
        // First use: any other live token of the grant is a fork (a replay within the grace
        // window); it dies now, so its later use is seen as reuse and revokes the grant.
        if (token.rotatedAt === null) this.#retireSiblings.run(token.grantId, hash);
        this.#markRotated.run(at, hash);
        this.#insertRefreshToken.run(refreshTokenToParams({ ...next, grantId: token.grantId }));
        return { status: "rotated", grant: grantFromRow(grant) };
      },
    );
    this.#purgeExpired = db.transaction(
      (before: number) =>
        this.#purgeCodes.run(before).changes +
        this.#purgeRefreshTokens.run(before).changes +
        this.#purgeSigningKeys.run(before).changes,
    );
  }

  async createUser(user: UserRecord): Promise<void> {
    this.#writes++;
    try {
      this.#insertUser.run(userToParams(user));
    } catch (error) {
      const columns = uniqueColumns(error);
      if (columns === "users.username") throw usernameTaken(user.username);
      if (columns === "users.id") throw userIdTaken(user.id);
      throw error;
    }
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const row = this.#getUser.get(id);
    return row && userFromRow(row);
  }

  async findUserByName(username: string): Promise<UserRecord | undefined> {
    // NOCASE folds ASCII only; usernames are stored lower-cased, so lower the query too.
    const row = this.#findUserByName.get(username.toLowerCase());
    return row && userFromRow(row);
  }

  async updateUser(id: string, patch: UserPatch, at: number): Promise<UserRecord | undefined> {
    this.#writes++;
    const row = this.#updateUser.get({
      id,
      at,
      setDisplayName: patch.displayName === undefined ? 0 : 1,
      displayName: patch.displayName ?? null,
      setPasswordHash: patch.passwordHash === undefined ? 0 : 1,
      passwordHash: patch.passwordHash ?? null,
      setDisabled: patch.disabled === undefined ? 0 : 1,
      disabled: patch.disabled ? 1 : 0,
    });
    return row && userFromRow(row);
  }

  async listUsers(): Promise<UserRecord[]> {
    return this.#listUsers.all().map(userFromRow);
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    this.#writes++;
    try {
      this.#insertApiKey.run(apiKeyToParams(key));
    } catch (error) {
      const columns = uniqueColumns(error);
      if (columns === "api_keys.owner_id, api_keys.name")
        throw apiKeyNameTaken(key.ownerId, key.name);
      if (columns === "api_keys.hash") throw apiKeyHashTaken();
      if (columns === "api_keys.id") throw apiKeyIdTaken(key.id);
      if (isSqliteError(error, "SQLITE_CONSTRAINT_FOREIGNKEY"))
        throw unknownApiKeyOwner(key.ownerId, key.name);
      throw error;
    }
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = this.#findApiKeyByHash.get(hash);
    return row && apiKeyFromRow(row);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = this.#getApiKey.get(id);
    return row && apiKeyFromRow(row);
  }

  async listApiKeys(ownerId?: string): Promise<ApiKeyRecord[]> {
    const rows = ownerId === undefined ? this.#listApiKeys.all() : this.#listApiKeysOf.all(ownerId);
    return rows.map(apiKeyFromRow);
  }

  async revokeApiKey(id: string, at: number): Promise<boolean> {
    this.#writes++;
    return this.#revokeApiKey.run(at, id).changes === 1;
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    this.#writes++;
    this.#touchApiKey.run({ id, at });
  }

  async createClient(client: OAuthClientRecord): Promise<void> {
    this.#writes++;
    try {
      this.#insertClient.run(clientToParams(client));
    } catch (error) {
      if (uniqueColumns(error) === "oauth_clients.id") throw clientIdTaken(client.id);
      throw error;
    }
  }

  async getClient(id: string): Promise<OAuthClientRecord | undefined> {
    const row = this.#getClient.get(id);
    return row && clientFromRow(row);
  }

  async createGrant(grant: GrantRecord, code: AuthorizationCodeRecord): Promise<void> {
    this.#writes++;
    if (code.grantId !== grant.id) throw codeOfAnotherGrant(grant.id, code.grantId);
    try {
      this.#createGrant.immediate(grant, code);
    } catch (error) {
      const columns = uniqueColumns(error);
      if (columns === "grants.id") throw grantIdTaken(grant.id);
      if (columns === "authorization_codes.hash") throw authorizationCodeTaken();
      // The code's grant is the one just inserted, so only the grant's user can be missing.
      if (isSqliteError(error, "SQLITE_CONSTRAINT_FOREIGNKEY"))
        throw unknownGrantUser(grant.id, grant.userId);
      throw error;
    }
  }

  async getGrant(id: string): Promise<GrantRecord | undefined> {
    const row = this.#getGrant.get(id);
    return row && grantFromRow(row);
  }

  async revokeGrant(id: string, at: number): Promise<boolean> {
    this.#writes++;
    return this.#revokeGrant.run(at, id).changes === 1;
  }

  async findAuthorizationCode(hash: string): Promise<AuthorizationCodeRecord | undefined> {
    return this.#getCode.get(hash);
  }

  async useAuthorizationCode(hash: string, at: number): Promise<CodeUse> {
    this.#writes++;
    return this.#useAuthorizationCode.immediate(hash, at);
  }

  async createRefreshToken(token: RefreshTokenRecord): Promise<void> {
    this.#writes++;
    try {
      this.#insertRefreshToken.run(refreshTokenToParams(token));
    } catch (error) {
      if (uniqueColumns(error) === "refresh_tokens.hash") throw refreshTokenTaken();
      if (isSqliteError(error, "SQLITE_CONSTRAINT_FOREIGNKEY")) throw unknownGrant(token.grantId);
      throw error;
    }
  }

  async findRefreshToken(hash: string): Promise<RefreshTokenRecord | undefined> {
    return this.#getRefreshToken.get(hash);
  }

  async rotateRefreshToken(
    hash: string,
    at: number,
    graceMs: number,
    next: RefreshTokenRecord,
  ): Promise<RefreshRotation> {
    this.#writes++;
    try {
      return this.#rotateRefreshToken.immediate(hash, at, graceMs, next);
    } catch (error) {
      if (uniqueColumns(error) === "refresh_tokens.hash") throw refreshTokenTaken();
      throw error;
    }
  }

  async getConsent(
    userId: string,
    clientId: string,
    resource: string,
  ): Promise<ConsentRecord | undefined> {
    const row = this.#getConsent.get(userId, clientId, resource);
    return row && consentFromRow(row);
  }

  async saveConsent(consent: ConsentRecord): Promise<void> {
    this.#writes++;
    try {
      this.#saveConsent.run(consentToParams(consent));
    } catch (error) {
      if (isSqliteError(error, "SQLITE_CONSTRAINT_FOREIGNKEY"))
        throw unknownConsentUser(consent.userId, consent.clientId);
      throw error;
    }
  }

  async createSigningKey(key: SigningKeyRecord): Promise<void> {
    this.#writes++;
    try {
      this.#insertSigningKey.run(signingKeyToParams(key));
    } catch (error) {
      if (isSqliteError(error, "SQLITE_CONSTRAINT_CHECK")) throw malformedSigningKey(key.kid);
      if (uniqueColumns(error) === "signing_keys.kid") throw signingKeyTaken(key.kid);
      throw error;
    }
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return this.#listSigningKeys.all();
  }

  async retireSigningKey(kid: string, at: number): Promise<boolean> {
    this.#writes++;
    return this.#retireSigningKey.run(at, kid).changes === 1;
  }

  async ensureSecret(name: string, value: string): Promise<string> {
    this.#writes++;
    this.#insertSecret.run(name, value);
    // Secrets are never deleted: the row is this call's, or that of whoever stored it first.
    return this.#getSecret.get(name)!.value;
  }

  async purgeExpired(before: number): Promise<number> {
    this.#writes++;
    return this.#purgeExpired.immediate(before);
  }

  async purgeUnusedClients(before: number): Promise<number> {
    this.#writes++;
    return this.#purgeUnusedClients.run(before).changes;
  }

  version(): number {
    const now = Date.now();
    if (now - this.#externalCheckedAt >= EXTERNAL_CHECK_MS) {
      this.#externalCheckedAt = now;
      this.#external = this.#dataVersion.get() as number;
    }
    // Both only grow; any change to either changes the sum.
    return this.#writes + this.#external;
  }

  async close(): Promise<void> {
    this.#db.close();
  }
}

type SqliteError = InstanceType<typeof BetterSqlite3.SqliteError>;

function isSqliteError(error: unknown, code: string): error is SqliteError {
  return error instanceof BetterSqlite3.SqliteError && error.code === code;
}

/** The columns a UNIQUE or PRIMARY KEY violation names ("users.username"), if it is one. */
function uniqueColumns(error: unknown): string | undefined {
  if (
    !isSqliteError(error, "SQLITE_CONSTRAINT_UNIQUE") &&
    !isSqliteError(error, "SQLITE_CONSTRAINT_PRIMARYKEY")
  )
    return undefined;
  // SQLite words it "UNIQUE constraint failed: <table>.<column>[, <table>.<column>]".
  return /constraint failed: (.*)$/.exec(error.message)?.[1];
}
