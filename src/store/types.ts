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

/** Everything the authorization layer keeps. */
export interface AuthStore extends UserStore, ApiKeyStore {
  /** Release connections and files. */
  close(): Promise<void>;
}

/** A write would break a uniqueness rule; nothing was changed. */
export class StoreConflictError extends BerthError {
  constructor(message: string) {
    super("ERR_STORE_CONFLICT", JsonRpcCode.InvalidParams, message, { status: 409 });
  }
}
