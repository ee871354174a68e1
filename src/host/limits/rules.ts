import type { TokenBucket } from "./token-bucket.js";

/**
 * One rate limit: `limit` requests per `windowSeconds` for each caller it counts, with
 * bursts of up to `burst` (default `limit`). What a caller is depends on `by`:
 * - `principal`: the authenticated subject; anonymous callers by address.
 * - `key`: the API key (`Authorization: Key …`); callers without one are not counted.
 * - `address`: the client address (see `trustProxy`).
 * - `tool`: the caller (subject, else address) and the tool, per `tools/call`; only the
 *   `tools` listed, when given.
 *
 * @example
 * const rules: RateLimitRule[] = [
 *   { by: "key", limit: 1000, windowSeconds: 3600 },
 *   { by: "tool", tools: ["send_email"], limit: 10, windowSeconds: 60 },
 * ];
 */
export interface RateLimitRule {
  readonly by: "principal" | "key" | "address" | "tool";
  /** Requests allowed per window, on average. */
  readonly limit: number;
  /** The window, in seconds: tokens come back at `limit / windowSeconds` per second. */
  readonly windowSeconds: number;
  /** Most requests allowed at once after a quiet spell (the bucket's capacity; default `limit`). */
  readonly burst?: number;
  /** For `by: "tool"`: the tools this rule limits (default every tool). */
  readonly tools?: readonly string[];
  /** Mount names this rule applies to (default every mount); one budget across them. */
  readonly servers?: readonly string[];
}

/** A rule checked and ready: its bucket, its store key prefix and its message parts. */
export interface CompiledRule {
  readonly rule: RateLimitRule;
  /** Prefix of this rule's keys in the store: its position, so equal rules stay apart. */
  readonly id: string;
  readonly bucket: TokenBucket;
  readonly tools: ReadonlySet<string> | undefined;
  readonly servers: ReadonlySet<string> | undefined;
}

const KINDS = new Set(["principal", "key", "address", "tool"]);

function positive(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

function names(value: unknown, where: string): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((v) => typeof v === "string" && v)
  ) {
    throw new TypeError(`${where} must be a non-empty list of names`);
  }
  return new Set(value as string[]);
}

/** Check one rule and prepare it; throws a TypeError naming what is wrong. */
export function compileRule(rule: RateLimitRule, index: number): CompiledRule {
  const where = `rate limit rule ${index + 1}`;
  if (typeof rule !== "object" || rule === null) throw new TypeError(`${where} must be an object`);
  if (!KINDS.has(rule.by)) {
    throw new TypeError(
      `${where}: 'by' must be principal, key, address or tool (got ${String(rule.by)})`,
    );
  }
  if (!positive(rule.limit)) throw new TypeError(`${where}: 'limit' must be a positive number`);
  if (!positive(rule.windowSeconds))
    throw new TypeError(`${where}: 'windowSeconds' must be a positive number`);
  if (rule.burst !== undefined && !(positive(rule.burst) && rule.burst >= 1)) {
    throw new TypeError(`${where}: 'burst' must be a number of requests, at least 1`);
  }
  if (rule.tools !== undefined && rule.by !== "tool") {
    throw new TypeError(`${where}: 'tools' applies only to rules with by: "tool"`);
  }
  const capacity = rule.burst ?? rule.limit;
  if (capacity < 1) {
    throw new TypeError(`${where}: a limit below 1 would refuse every request; set burst to 1`);
  }
  return {
    rule,
    id: String(index),
    bucket: { capacity, refillPerSecond: rule.limit / rule.windowSeconds },
    tools: names(rule.tools, `${where}: 'tools'`),
    servers: names(rule.servers, `${where}: 'servers'`),
  };
}

/** What a rule counts, for messages. */
const COUNTED: Record<RateLimitRule["by"], string> = {
  principal: "caller",
  key: "API key",
  address: "address",
  tool: "caller",
};

/** Whole seconds to wait, as `Retry-After` says it (at least 1). */
export function wholeSeconds(seconds: number): number {
  return Math.max(1, Math.ceil(seconds));
}

/** The message a refused client shows: what the limit is and when to retry. */
export function refusalMessage(rule: RateLimitRule, retryAfter: number, tool?: string): string {
  const wait = `retry in ${wholeSeconds(retryAfter)} s`;
  if (tool !== undefined) {
    return `Rate limit reached for tool ${tool}: ${rule.limit} calls per ${rule.windowSeconds} s; ${wait}`;
  }
  return `Rate limit reached: ${rule.limit} requests per ${rule.windowSeconds} s per ${COUNTED[rule.by]}; ${wait}`;
}
