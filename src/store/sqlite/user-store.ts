import type BetterSqlite3 from "better-sqlite3";
import {
  apiKeyHashTaken,
  apiKeyIdTaken,
  apiKeyNameTaken,
  unknownApiKeyOwner,
  userIdTaken,
  usernameTaken,
} from "../errors.js";
import type { ApiKeyRecord, ApiKeyStore, UserPatch, UserRecord, UserStore } from "../types.js";
import { SqliteDatabase } from "./database.js";
import {
  API_KEY_COLUMNS,
  type ApiKeyParams,
  type ApiKeyRow,
  apiKeyFromRow,
  apiKeyToParams,
  USER_COLUMNS,
  type UserParams,
  type UserRow,
  userFromRow,
  userToParams,
} from "./rows.js";
import { isSqliteError, uniqueColumns } from "./sqlite-errors.js";

type Statement<P extends unknown[], R = unknown> = BetterSqlite3.Statement<P, R>;

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
 * Users and API keys on SQLite: the tables the CLI and the resource server read. Every
 * statement is prepared once, here, and reused.
 */
export class SqliteUserStore extends SqliteDatabase implements UserStore, ApiKeyStore {
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

  constructor(db: BetterSqlite3.Database) {
    super(db);
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
  }

  async createUser(user: UserRecord): Promise<void> {
    this.wrote();
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
    this.wrote();
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
    this.wrote();
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
    this.wrote();
    return this.#revokeApiKey.run(at, id).changes === 1;
  }

  async touchApiKey(id: string, at: number): Promise<void> {
    this.wrote();
    this.#touchApiKey.run({ id, at });
  }
}
