import type { AuthEvent } from "../../auth/server/events.js";
import { flatString, quoted } from "./json-lines.js";

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

/** A member's key as JSON text and the colon, or the whole member when its value is redacted. */
interface MemberHead {
  readonly text: string;
  readonly redacted: boolean;
}

/** Deeper than this, values are replaced rather than walked. */
const MAX_DEPTH = 32;

const normalize = (key: string): string => key.toLowerCase().replace(/[-_]/g, "");

/** Key names whose sensitivity is remembered, per redactor. */
const KNOWN_KEYS_LIMIT = 4096;

/**
 * Whether a key name is sensitive under `keys` (see {@link redactor}). Answers are
 * remembered, since the same few argument names come back on every call.
 */
function sensitivity(keys: readonly string[]): (key: string) => boolean {
  const words = [...new Set(keys.map(normalize).filter(Boolean))];
  const known = new Map<string, boolean>();
  return (key) => {
    let answer = known.get(key);
    if (answer === undefined) {
      const name = normalize(key);
      answer = alwaysSensitive(name) || words.some((word) => name.includes(word));
      if (known.size < KNOWN_KEYS_LIMIT) known.set(key, answer);
    }
    return answer;
  };
}

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
  const sensitive = sensitivity(keys);
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

const REDACTED_JSON = JSON.stringify(REDACTED);
const TOO_DEEP_JSON = JSON.stringify("[too deep]");

/**
 * A function that writes a JSON value as JSON text with the values of sensitive keys
 * replaced by "[redacted]": the same rules as {@link redactor}, in one pass and without a
 * copy. A value JSON cannot hold (a BigInt, a cycle past the depth limit) is written as a
 * string saying so.
 *
 * @example
 * const toJson = jsonRedactor(["password"]);
 * toJson({ user: "ann", password: "x" }); // '{"user":"ann","password":"[redacted]"}'
 */
export function jsonRedactor(
  keys: readonly string[] = DEFAULT_REDACT_KEYS,
): (value: unknown) => string {
  const sensitive = sensitivity(keys);
  const mentions = mentionPattern(keys);
  // The start of each member by key: `"key":`, or all of `"key":"[redacted]"` for a
  // sensitive key. The same few argument names come back on every call.
  const heads = new Map<string, MemberHead>();
  const headOf = (key: string): MemberHead => {
    let head = heads.get(key);
    if (head === undefined) {
      const redacted = sensitive(key);
      head = { text: flatString(`${quoted(key)}:${redacted ? REDACTED_JSON : ""}`), redacted };
      if (heads.size < KNOWN_KEYS_LIMIT) heads.set(key, head);
    }
    return head;
  };
  // `{"key":json,…}` of an object's `keys`, with `item` writing each value that JSON keeps;
  // undefined as soon as `item` gives up on one.
  const members = (
    value: object,
    keys: readonly string[],
    item: (value: unknown) => string | undefined,
  ): string | undefined => {
    let text = "{";
    for (const key of keys) {
      const member = (value as Record<string, unknown>)[key];
      if (member === undefined || typeof member === "function" || typeof member === "symbol")
        continue;
      const head = headOf(key);
      if (text.length > 1) text += ",";
      if (head.redacted) {
        text += head.text;
        continue;
      }
      const json = item(member);
      if (json === undefined) return undefined;
      text += head.text + json;
    }
    return `${text}}`;
  };
  const write = (value: unknown, depth: number): string => {
    const scalar = scalarJson(value);
    if (scalar !== undefined) return scalar;
    if (typeof value === "bigint") return '"[unserializable]"';
    if (typeof value !== "object" || value === null) return "null";
    if (depth >= MAX_DEPTH) return TOO_DEEP_JSON;
    if (typeof (value as { toJSON?: unknown }).toJSON === "function")
      return write((value as { toJSON(): unknown }).toJSON(), depth);
    if (Array.isArray(value)) {
      if (value.length === 2 && typeof value[0] === "string" && sensitive(value[0]))
        return `[${quoted(value[0])},${REDACTED_JSON}]`;
      let text = "[";
      for (let i = 0; i < value.length; i++) {
        if (i > 0) text += ",";
        const item: unknown = value[i];
        text += item === undefined || typeof item === "function" ? "null" : write(item, depth + 1);
      }
      return `${text}]`;
    }
    return members(value, Object.keys(value), (item) => write(item, depth + 1)) as string;
  };
  // A small object of plain values (the usual tool arguments) in one pass, without the
  // walk's recursion: the same text `write` gives it. Undefined for any other value.
  const flat = (value: object): string | undefined => {
    if (Array.isArray(value) || typeof (value as { toJSON?: unknown }).toJSON === "function")
      return undefined;
    const keys = Object.keys(value);
    return keys.length > FLAT_KEYS ? undefined : members(value, keys, scalarJson);
  };
  return (value) => {
    if (typeof value === "object" && value !== null) {
      const small = flat(value);
      if (small !== undefined) return small;
      // Most bigger arguments name nothing sensitive: then JSON.stringify's text is the
      // answer, and it is written far faster than by walking the value here.
      const text = plainJson(value);
      if (text !== undefined && !mentions.test(text)) return text;
    }
    return write(value, 0);
  };
}

/** JSON text of a string, number, boolean or null; undefined for any other value. */
function scalarJson(value: unknown): string | undefined {
  switch (typeof value) {
    case "string":
      return quoted(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "object":
      return value === null ? "null" : undefined;
    default:
      return undefined;
  }
}

/** Most keys of an object {@link jsonRedactor} writes in its one-pass way for small ones. */
const FLAT_KEYS = 16;

/** Longest JSON text {@link jsonRedactor} takes as it is, after checking it names nothing. */
const PLAIN_LIMIT = 4096;

/**
 * `value` as JSON.stringify writes it, when that is what the redacting walk would write
 * too: it can be written (no BigInt, no cycle), it is short, and it cannot be nested deeper
 * than the walk goes (fewer `{` and `[` in all than its depth limit).
 */
function plainJson(value: object): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return undefined;
  }
  if (text === undefined || text.length > PLAIN_LIMIT) return undefined;
  let openers = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 123 || code === 91) openers++;
  }
  return openers < MAX_DEPTH ? text : undefined;
}

/**
 * A test that finds, anywhere in a JSON text, every name `sensitivity(keys)` calls
 * sensitive, and perhaps more: each word with any `-` and `_` between its letters, in any
 * case, plus `token` and `auth` anywhere. A text it finds nothing in has no sensitive key,
 * and no header-style pair either (their names are in the text too).
 */
function mentionPattern(keys: readonly string[]): RegExp {
  const words = [...new Set([...keys.map(normalize), "token", "auth"].filter(Boolean))];
  const spelled = words.map((word) =>
    [...word].map((letter) => letter.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[-_]*"),
  );
  return new RegExp(spelled.join("|"), "iu");
}

/**
 * The `arguments` field of a tool call's audit line under a policy, as JSON text
 * (undefined: leave it out).
 */
export function argumentsJson(
  policy: ArgumentsPolicy,
  redactJson: (value: unknown) => string,
  args: unknown,
): string | undefined {
  if (policy === "omit" || args === undefined) return undefined;
  if (policy === "full") {
    try {
      return JSON.stringify(args) ?? "null";
    } catch {
      return '"[unserializable]"';
    }
  }
  return redactJson(args);
}
