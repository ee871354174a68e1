import type { AuthEvent } from "../../auth/server/authorization-server.js";

/** Use of an API key (logged at most once a minute per key, address and mount). */
export interface ApiKeyEvent {
  type: "api-key";
  action: "used" | "created" | "revoked";
  /** The key's owner. */
  subject?: string;
  keyId?: string;
  keyName?: string;
  /** The caller's address. */
  address?: string;
  /** The mount the key was used on. */
  mount?: string;
}

/**
 * An event from outside the engine for the audit log: sign-ins and tokens from the
 * authorization server, API key use. Tool calls are audited by the logging plugin itself.
 */
export type AuditEvent = AuthEvent | ApiKeyEvent;

/**
 * What the audit log keeps of a tool call's arguments: `redact` keeps every key but
 * replaces the values of sensitive ones with "[redacted]", at any depth; `omit` drops the
 * arguments; `full` keeps them as sent.
 */
export type ArgumentsPolicy = "redact" | "omit" | "full";

/** Options of the audit log. */
export interface AuditOptions {
  /** What to keep of tool-call arguments (default `redact`). */
  arguments?: ArgumentsPolicy;
  /**
   * Keys whose values are redacted. A key matches when its name, lower-cased and without
   * `-` and `_`, ends with one of these (so `apiKey` covers `x-api-key` and `openai_api_key`).
   * Default {@link DEFAULT_REDACT_KEYS}; a list given replaces it.
   */
  redactKeys?: string[];
  /** Where audit lines go (default: with the other logs, marked `"audit": true`). */
  destination?: NodeJS.WritableStream;
}

/**
 * Words that make a key sensitive wherever they appear in its name (`passwordHash`,
 * `aws_secret_access_key`, `x-api-key`), by default. Names ending in `token`, and the
 * names `tokens` and `auth`, are always sensitive too (`max_tokens` is not).
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = Object.freeze([
  "password",
  "passwd",
  "passphrase",
  "secret",
  "apiKey",
  "accessKey",
  "privateKey",
  "authorization",
  "cookie",
  "credential",
  "sessionId",
  "accessToken",
  "refreshToken",
  "idToken",
]);

/** Names sensitive whatever the list: a token by any name, and bare `auth`. */
const alwaysSensitive = (name: string): boolean =>
  name.endsWith("token") || name === "tokens" || name === "auth";

/** What replaces a sensitive value. */
export const REDACTED = "[redacted]";

/** Deeper than this, values are replaced rather than walked. */
const MAX_DEPTH = 32;

const normalize = (key: string): string => key.toLowerCase().replace(/[-_]/g, "");

/**
 * A function that copies a JSON value with the values of sensitive keys replaced by
 * "[redacted]", at any depth (arrays included). A key is sensitive when its name,
 * lower-cased without `-` and `_`, contains one of `keys` (see {@link DEFAULT_REDACT_KEYS}).
 * Header-style pairs (`[["Authorization", "Bearer …"]]`) are redacted by their first item.
 * The input is never changed.
 *
 * @example
 * const redact = redactor(["password"]);
 * redact({ user: "ann", db: { password: "x" } }); // { user: "ann", db: { password: "[redacted]" } }
 */
export function redactor(
  keys: readonly string[] = DEFAULT_REDACT_KEYS,
): (value: unknown) => unknown {
  const words = [...new Set(keys.map(normalize).filter(Boolean))];
  const sensitive = (key: string): boolean => {
    const name = normalize(key);
    return alwaysSensitive(name) || words.some((word) => name.includes(word));
  };
  const copy = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== "object") return value;
    if (depth >= MAX_DEPTH) return "[too deep]";
    if (Array.isArray(value)) {
      if (value.length === 2 && typeof value[0] === "string" && sensitive(value[0]))
        return [value[0], REDACTED];
      return value.map((item) => copy(item, depth + 1));
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = sensitive(key) ? REDACTED : copy(item, depth + 1);
    return out;
  };
  return (value) => copy(value, 0);
}

/** The `arguments` field of a tool call's audit line under a policy (undefined: leave out). */
export function argumentsFor(
  policy: ArgumentsPolicy,
  redact: (value: unknown) => unknown,
  args: unknown,
): unknown {
  if (policy === "omit") return undefined;
  if (policy === "full") return args;
  return redact(args);
}
