import {
  apiKeyHashTaken,
  apiKeyIdTaken,
  apiKeyNameTaken,
  unknownApiKeyOwner,
  userIdTaken,
  usernameTaken,
} from "../errors.js";
import type { ApiKeyRecord, AuthStore, UserPatch, UserRecord } from "../types.js";

/**
 * An {@link AuthStore} in this process's memory: for tests and throwaway development
 * servers. Everything is lost when the process ends. Records go in and come out as
 * copies, so a caller changing a returned object never changes what is stored.
 *
 * @example
 * const store = new MemoryAuthStore();
 * await store.createUser({ id: "u1", username: "alice", ... });
 */
export class MemoryAuthStore implements AuthStore {
  readonly #users = new Map<string, UserRecord>();
  /** Lower-cased username → user id. */
  readonly #userIdByName = new Map<string, string>();
  readonly #keys = new Map<string, ApiKeyRecord>();
  readonly #keyIdByHash = new Map<string, string>();
  /** Owner id → key name → key id. */
  readonly #keyIdByOwnerName = new Map<string, Map<string, string>>();

  async createUser(user: UserRecord): Promise<void> {
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
    const key = this.#keys.get(id);
    if (!key || key.revokedAt !== null) return false;
    key.revokedAt = at;
    return true;
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    const key = this.#keys.get(id);
    // Requests can finish out of order; the latest use wins.
    if (key && (key.lastUsedAt === null || at > key.lastUsedAt)) key.lastUsedAt = at;
  }

  async close(): Promise<void> {}
}

function copyUser(user: UserRecord): UserRecord {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    passwordHash: user.passwordHash,
    disabled: user.disabled,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

function copyKey(key: ApiKeyRecord): ApiKeyRecord {
  return {
    id: key.id,
    name: key.name,
    ownerId: key.ownerId,
    scopes: [...key.scopes],
    hash: key.hash,
    prefix: key.prefix,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
  };
}

/** Code-unit order, not the locale's, so every store sorts alike. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
