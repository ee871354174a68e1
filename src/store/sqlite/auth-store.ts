import type BetterSqlite3 from "better-sqlite3";
import {
  authorizationCodeTaken,
  clientIdTaken,
  codeOfAnotherGrant,
  grantIdTaken,
  malformedSigningKey,
  refreshTokenTaken,
  signingKeyTaken,
  unknownConsentUser,
  unknownGrant,
  unknownGrantUser,
} from "../errors.js";
import type {
  AuthorizationCodeRecord,
  AuthStore,
  ConsentRecord,
  GrantRecord,
  OAuthClientRecord,
  RefreshRotation,
  RefreshTokenRecord,
  SigningKeyRecord,
} from "../types.js";
import {
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
} from "./rows.js";
import { isSqliteError, uniqueColumns } from "./sqlite-errors.js";
import { SqliteUserStore } from "./user-store.js";

type Statement<P extends unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;
type Transaction<F extends (...args: never[]) => unknown> = BetterSqlite3.Transaction<F>;
type CodeUse = { code: AuthorizationCodeRecord; grant: GrantRecord } | undefined;

/**
 * The embedded {@link AuthStore} on SQLite: the users and API keys of
 * {@link SqliteUserStore}, and the state of the built-in authorization server. Open it with
 * `openSqliteAuthStore`, which configures the connection and migrates the schema; every
 * statement is prepared here, once, and reused for each request. Each write is one
 * statement, or one transaction, so a refused write changes nothing. A write that reads
 * first runs in an IMMEDIATE transaction, which holds the file's write lock from its first
 * read: two processes never both find a code unused or a refresh token unrotated.
 */
export class SqliteAuthStore extends SqliteUserStore implements AuthStore {
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
    super(db);
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

  async createClient(client: OAuthClientRecord): Promise<void> {
    this.wrote();
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
    this.wrote();
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
    this.wrote();
    return this.#revokeGrant.run(at, id).changes === 1;
  }

  async findAuthorizationCode(hash: string): Promise<AuthorizationCodeRecord | undefined> {
    return this.#getCode.get(hash);
  }

  async useAuthorizationCode(hash: string, at: number): Promise<CodeUse> {
    this.wrote();
    return this.#useAuthorizationCode.immediate(hash, at);
  }

  async createRefreshToken(token: RefreshTokenRecord): Promise<void> {
    this.wrote();
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
    this.wrote();
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
    this.wrote();
    try {
      this.#saveConsent.run(consentToParams(consent));
    } catch (error) {
      if (isSqliteError(error, "SQLITE_CONSTRAINT_FOREIGNKEY"))
        throw unknownConsentUser(consent.userId, consent.clientId);
      throw error;
    }
  }

  async createSigningKey(key: SigningKeyRecord): Promise<void> {
    this.wrote();
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
    this.wrote();
    return this.#retireSigningKey.run(at, kid).changes === 1;
  }

  async ensureSecret(name: string, value: string): Promise<string> {
    this.wrote();
    this.#insertSecret.run(name, value);
    // Secrets are never deleted: the row is this call's, or that of whoever stored it first.
    return this.#getSecret.get(name)!.value;
  }

  async purgeExpired(before: number): Promise<number> {
    this.wrote();
    return this.#purgeExpired.immediate(before);
  }

  async purgeUnusedClients(before: number): Promise<number> {
    this.wrote();
    return this.#purgeUnusedClients.run(before).changes;
  }
}
