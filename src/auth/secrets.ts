import { createHash, randomBytes } from "node:crypto";

/**
 * The two primitives behind every secret Berth hands out (API keys, client secrets, codes,
 * refresh tokens, CSRF nonces): 256 random bits to issue, a SHA-256 to store. A fast hash
 * is right for these (unlike passwords): there is nothing to guess in 256 random bits.
 */

/** A fresh random token: 32 random bytes, base64url (43 characters). */
export function randomToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Hex SHA-256: how issued secrets are stored. */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
