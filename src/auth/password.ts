import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";

/** scrypt cost parameters: N = 2^15, r = 8, p = 1 (about 32 MiB and tens of ms per hash). */
const N = 1 << 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const MAX_MEMORY = 64 * 1024 * 1024;

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize("NFC"),
      salt,
      KEY_LENGTH,
      { N: n, r, p, maxmem: MAX_MEMORY },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

/**
 * Hash a password with scrypt and a random salt, as `scrypt$N$r$p$salt$hash` (base64url),
 * so the parameters can be raised later without breaking stored hashes.
 */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < 8) throw new RangeError("A password needs at least 8 characters");
  if (password.length > 1024) throw new RangeError("A password may have at most 1024 characters");
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ["scrypt", N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** Check a password against a stored hash in constant time; false for malformed hashes. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split("$");
  if (scheme !== "scrypt" || !salt || !hash || password.length > 1024) return false;
  const expected = Buffer.from(hash, "base64url");
  const actual = await derive(
    password,
    Buffer.from(salt, "base64url"),
    Number(n),
    Number(r),
    Number(p),
  ).catch(() => undefined);
  return (
    actual !== undefined && actual.length === expected.length && timingSafeEqual(actual, expected)
  );
}
