import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Tamper-proof, expiring values the authorization server hands to browsers: the pending
 * authorization request carried through the sign-in and consent forms, the sign-in
 * session cookie and CSRF tokens. Each is HMAC-SHA256 signed with a secret kept in the
 * store, and bound to a purpose so one kind can never pass as another.
 */
export class Sealer {
  readonly #secret: Buffer;

  /** `secret` should carry at least 256 random bits. */
  constructor(secret: Buffer) {
    this.#secret = secret;
  }

  /** `payload` signed for `purpose`, valid for `ttlMs`. */
  seal(purpose: string, payload: unknown, ttlMs: number, now = Date.now()): string {
    const body = Buffer.from(JSON.stringify({ exp: now + ttlMs, data: payload })).toString(
      "base64url",
    );
    return `${body}.${this.mac(purpose, body)}`;
  }

  /** The payload of a value {@link seal} made for `purpose`, or undefined if forged or expired. */
  open(purpose: string, sealed: string | null | undefined, now = Date.now()): unknown {
    if (!sealed) return undefined;
    const dot = sealed.lastIndexOf(".");
    if (dot <= 0) return undefined;
    const body = sealed.slice(0, dot);
    if (!this.verify(purpose, body, sealed.slice(dot + 1))) return undefined;
    try {
      const { exp, data } = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as {
        exp: number;
        data: unknown;
      };
      return typeof exp === "number" && exp > now ? data : undefined;
    } catch {
      return undefined;
    }
  }

  /** The MAC of `value` for `purpose`, base64url. */
  mac(purpose: string, value: string): string {
    return createHmac("sha256", this.#secret).update(`${purpose}\n${value}`).digest("base64url");
  }

  /** Whether `mac` is the MAC of `value` for `purpose`, compared in constant time. */
  verify(purpose: string, value: string, mac: string): boolean {
    const expected = Buffer.from(this.mac(purpose, value));
    const given = Buffer.from(mac);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
