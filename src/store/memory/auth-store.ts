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
  copyClient,
  copyCode,
  copyConsent,
  copyGrant,
  copyKey,
  copyRefreshToken,
  copySigningKey,
  copyUser,
} from "./copies.js";

/**
 * An {@link AuthStore} in this process's memory: for tests and throwaway development
 * servers. Everything is lost when the process ends. Records go in and come out as
 * copies, so a caller changing a returned object never changes what is stored. No method
 * awaits before it has finished, so each one is atomic, as the SQL stores' transactions are.
 *
 * @example
 * const store = new MemoryAuthStore();
 * await store.createUser({ id: "u1", username: "alice", ... });
 */
export class MemoryAuthStore implements AuthStore {
  /** Counts writes, for {@link version}. */
  #writes = 0;
  readonly #users = new Map<string, UserRecord>();
  /** Lower-cased username → user id. */
  readonly #userIdByName = new Map<string, string>();
  readonly #keys = new Map<string, ApiKeyRecord>();
  readonly #keyIdByHash = new Map<string, string>();
  /** Owner id → key name → key id. */
  readonly #keyIdByOwnerName = new Map<string, Map<string, string>>();
  readonly #clients = new Map<string, OAuthClientRecord>();
  readonly #grants = new Map<string, GrantRecord>();
  /** Code hash → code. */
  readonly #codes = new Map<string, AuthorizationCodeRecord>();
  /** Token hash → refresh token. */
  readonly #refreshTokens = new Map<string, RefreshTokenRecord>();
  /** {@link consentKey} → consent. */
  readonly #consents = new Map<string, ConsentRecord>();
  readonly #signingKeys = new Map<string, SigningKeyRecord>();
  readonly #secrets = new Map<string, string>();

  async createUser(user: UserRecord): Promise<void> {
    this.#writes++;
    const name = user.username.toLowerCase();
    if (this.#users.has(user.id)) throw userIdTaken(user.id);
    if (this.#userIdByName.has(name)) throw usernameTaken(user.username);
    this.#users.set(user.id, copyUser(user));
    this.#userIdByName.set(name, user.id);
  }

  async getUser(id: string): Promise<UserRecord | undefined> {
    const user = this.#users.get(id);
    return user && copyUser(user);
  }

  async findUserByName(username: string): Promise<UserRecord | undefined> {
    const id = this.#userIdByName.get(username.toLowerCase());
    return id === undefined ? undefined : this.getUser(id);
  }

  async updateUser(id: string, patch: UserPatch, at: number): Promise<UserRecord | undefined> {
    this.#writes++;
    const user = this.#users.get(id);
    if (!user) return undefined;
    // Only the patchable fields, even if a caller passes more.
    if (patch.displayName !== undefined) user.displayName = patch.displayName;
    if (patch.passwordHash !== undefined) user.passwordHash = patch.passwordHash;
    if (patch.disabled !== undefined) user.disabled = patch.disabled;
    user.updatedAt = at;
    return copyUser(user);
  }

  async listUsers(): Promise<UserRecord[]> {
    return [...this.#users.values()]
      .sort((a, b) => compare(a.username.toLowerCase(), b.username.toLowerCase()))
      .map(copyUser);
  }

  async createApiKey(key: ApiKeyRecord): Promise<void> {
    this.#writes++;
    const names = this.#keyIdByOwnerName.get(key.ownerId);
    if (this.#keys.has(key.id)) throw apiKeyIdTaken(key.id);
    if (names?.has(key.name)) throw apiKeyNameTaken(key.ownerId, key.name);
    if (this.#keyIdByHash.has(key.hash)) throw apiKeyHashTaken();
    if (!this.#users.has(key.ownerId)) throw unknownApiKeyOwner(key.ownerId, key.name);
    this.#keys.set(key.id, copyKey(key));
    this.#keyIdByHash.set(key.hash, key.id);
    if (names) names.set(key.name, key.id);
    else this.#keyIdByOwnerName.set(key.ownerId, new Map([[key.name, key.id]]));
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const id = this.#keyIdByHash.get(hash);
    return id === undefined ? undefined : this.getApiKey(id);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const key = this.#keys.get(id);
    return key && copyKey(key);
  }

  async listApiKeys(ownerId?: string): Promise<ApiKeyRecord[]> {
    const keys = [...this.#keys.values()].filter(
      (key) => ownerId === undefined || key.ownerId === ownerId,
    );
    // Newest first; keys created in the same millisecond by id, as the SQL stores do.
    return keys.sort((a, b) => b.createdAt - a.createdAt || compare(b.id, a.id)).map(copyKey);
  }

  async revokeApiKey(id: string, at: number): Promise<boolean> {
    this.#writes++;
    const key = this.#keys.get(id);
    if (!key || key.revokedAt !== null) return false;
    key.revokedAt = at;
    return true;
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    this.#writes++;
    const key = this.#keys.get(id);
    // Requests can finish out of order; the latest use wins.
    if (key && (key.lastUsedAt === null || at > key.lastUsedAt)) key.lastUsedAt = at;
  }

  async createClient(client: OAuthClientRecord): Promise<void> {
    this.#writes++;
    if (this.#clients.has(client.id)) throw clientIdTaken(client.id);
    this.#clients.set(client.id, copyClient(client));
  }

  async getClient(id: string): Promise<OAuthClientRecord | undefined> {
    const client = this.#clients.get(id);
    return client && copyClient(client);
  }

  async createGrant(grant: GrantRecord, code: AuthorizationCodeRecord): Promise<void> {
    this.#writes++;
    // In the order SQLite finds them: grant id, grant user, then the code.
    if (code.grantId !== grant.id) throw codeOfAnotherGrant(grant.id, code.grantId);
    if (this.#grants.has(grant.id)) throw grantIdTaken(grant.id);
    if (!this.#users.has(grant.userId)) throw unknownGrantUser(grant.id, grant.userId);
    if (this.#codes.has(code.hash)) throw authorizationCodeTaken();
    this.#grants.set(grant.id, copyGrant(grant));
    this.#codes.set(code.hash, copyCode(code));
  }

  async getGrant(id: string): Promise<GrantRecord | undefined> {
    const grant = this.#grants.get(id);
    return grant && copyGrant(grant);
  }

  async revokeGrant(id: string, at: number): Promise<boolean> {
    this.#writes++;
    const grant = this.#grants.get(id);
    if (!grant || grant.revokedAt !== null) return false;
    grant.revokedAt = at;
    return true;
  }

  async findAuthorizationCode(hash: string): Promise<AuthorizationCodeRecord | undefined> {
    const code = this.#codes.get(hash);
    return code && copyCode(code);
  }

  async useAuthorizationCode(
    hash: string,
    at: number,
  ): Promise<{ code: AuthorizationCodeRecord; grant: GrantRecord } | undefined> {
    this.#writes++;
    const code = this.#codes.get(hash);
    const grant = code && this.#grants.get(code.grantId);
    if (!code || !grant) return undefined;
    const before = copyCode(code);
    // A replay keeps the first use's time.
    if (code.usedAt === null) code.usedAt = at;
    return { code: before, grant: copyGrant(grant) };
  }

  async createRefreshToken(token: RefreshTokenRecord): Promise<void> {
    this.#writes++;
    if (this.#refreshTokens.has(token.hash)) throw refreshTokenTaken();
    if (!this.#grants.has(token.grantId)) throw unknownGrant(token.grantId);
    this.#refreshTokens.set(token.hash, copyRefreshToken(token));
  }

  async findRefreshToken(hash: string): Promise<RefreshTokenRecord | undefined> {
    const token = this.#refreshTokens.get(hash);
    return token && copyRefreshToken(token);
  }

  async rotateRefreshToken(
    hash: string,
    at: number,
    graceMs: number,
    next: RefreshTokenRecord,
  ): Promise<RefreshRotation> {
    this.#writes++;
    const token = this.#refreshTokens.get(hash);
    const grant = token && this.#grants.get(token.grantId);
    if (!token || !grant || token.expiresAt <= at || grant.revokedAt !== null)
      return { status: "invalid" };
    if (token.rotatedAt !== null && at - token.rotatedAt > graceMs) {
      grant.revokedAt = at;
      return { status: "reused", grant: copyGrant(grant) };
    }
    // Checked before anything changes: a refused successor leaves the token unused.
    if (this.#refreshTokens.has(next.hash)) throw refreshTokenTaken();
    if (token.rotatedAt === null) {
      // First use: any other live token of the grant is a fork (a replay within the grace
      // window); it dies now, so its later use is seen as reuse and revokes the grant.
      for (const other of this.#refreshTokens.values())
        if (other.grantId === token.grantId && other.rotatedAt === null && other !== token)
          other.rotatedAt = 0;
      token.rotatedAt = at;
    }
    this.#refreshTokens.set(next.hash, copyRefreshToken({ ...next, grantId: token.grantId }));
    return { status: "rotated", grant: copyGrant(grant) };
  }

  async getConsent(
    userId: string,
    clientId: string,
    resource: string,
  ): Promise<ConsentRecord | undefined> {
    const consent = this.#consents.get(consentKey(userId, clientId, resource));
    return consent && copyConsent(consent);
  }

  async saveConsent(consent: ConsentRecord): Promise<void> {
    this.#writes++;
    if (!this.#users.has(consent.userId))
      throw unknownConsentUser(consent.userId, consent.clientId);
    this.#consents.set(
      consentKey(consent.userId, consent.clientId, consent.resource),
      copyConsent(consent),
    );
  }

  async createSigningKey(key: SigningKeyRecord): Promise<void> {
    this.#writes++;
    if (!isJson(key.privateJwk) || !isJson(key.publicJwk)) throw malformedSigningKey(key.kid);
    if (this.#signingKeys.has(key.kid)) throw signingKeyTaken(key.kid);
    this.#signingKeys.set(key.kid, copySigningKey(key));
  }

  async listSigningKeys(): Promise<SigningKeyRecord[]> {
    return [...this.#signingKeys.values()]
      .sort((a, b) => b.createdAt - a.createdAt || compare(b.kid, a.kid))
      .map(copySigningKey);
  }

  async retireSigningKey(kid: string, at: number): Promise<boolean> {
    this.#writes++;
    const key = this.#signingKeys.get(kid);
    if (!key || key.retiredAt !== null) return false;
    key.retiredAt = at;
    return true;
  }

  async ensureSecret(name: string, value: string): Promise<string> {
    this.#writes++;
    const stored = this.#secrets.get(name);
    if (stored !== undefined) return stored;
    this.#secrets.set(name, value);
    return value;
  }

  async purgeExpired(before: number): Promise<number> {
    this.#writes++;
    let purged = 0;
    const purge = <T>(records: Map<string, T>, expired: (record: T) => boolean) => {
      for (const [key, record] of records)
        if (expired(record)) {
          records.delete(key);
          purged++;
        }
    };
    purge(this.#codes, (code) => code.expiresAt < before);
    purge(this.#refreshTokens, (token) => token.expiresAt < before);
    purge(this.#signingKeys, (key) => key.retiredAt !== null && key.retiredAt < before);
    return purged;
  }

  async purgeUnusedClients(before: number): Promise<number> {
    this.#writes++;
    const granted = new Set<string>();
    for (const grant of this.#grants.values()) granted.add(grant.clientId);
    let purged = 0;
    for (const [id, client] of this.#clients)
      if (client.createdAt < before && !granted.has(id)) {
        this.#clients.delete(id);
        purged++;
      }
    return purged;
  }

  version(): number {
    return this.#writes;
  }

  async close(): Promise<void> {}
}

function consentKey(userId: string, clientId: string, resource: string): string {
  return JSON.stringify([userId, clientId, resource]);
}

/** Whether `text` is JSON, as SQLite's `json_valid` checks it. */
function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** Code-unit order, not the locale's, so every store sorts alike. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
