import { randomToken, sha256Hex } from "./secrets.js";

/** Every Berth API key starts with this, so it can be told from a JWT or an opaque token. */
export const API_KEY_PREFIX = "berth_";

/** A new API key: the key (shown once), its hash (stored) and a prefix to recognise it by. */
export interface NewApiKey {
  key: string;
  hash: string;
  prefix: string;
}

/**
 * Make a new API key: 32 random bytes, base64url, after {@link API_KEY_PREFIX}.
 *
 * @example
 * const { key, hash, prefix } = generateApiKey(); // show `key` once, store `hash`
 */
export function generateApiKey(): NewApiKey {
  const key = `${API_KEY_PREFIX}${randomToken()}`;
  return { key, hash: hashApiKey(key), prefix: key.slice(0, API_KEY_PREFIX.length + 6) };
}

/**
 * The stored form of a key: hex SHA-256. A fast hash is right here (unlike passwords):
 * keys carry 256 random bits, so there is nothing to guess.
 */
export function hashApiKey(key: string): string {
  return sha256Hex(key);
}

/** True for strings shaped like a Berth API key. */
export function isApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX) && token.length > API_KEY_PREFIX.length + 20;
}
