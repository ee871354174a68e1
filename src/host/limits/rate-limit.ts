import type { IncomingMessage } from "node:http";
import type { Principal } from "../../engine/context.js";
import type { CallObserver } from "../../engine/observer.js";
import { RateLimitedError, UnavailableError } from "../../errors.js";
import { countedAddress, type TrustedProxies } from "../../transport/http/client-address.js";
import type { Admission, HostPlugin, MountInfo, ReadinessCheck } from "../plugin.js";
import { InFlightLimit } from "./concurrency.js";
import { MemoryRateLimitStore } from "./memory-rate-limit-store.js";
import type { RateLimitStore } from "./rate-limit-store.js";
import { type CompiledRule, compileRule, type RateLimitRule, refusalMessage } from "./rules.js";
import type { RateLimitDecision } from "./token-bucket.js";

/** Options of {@link rateLimitPlugin}. */
export interface RateLimitOptions {
  /** Where buckets live (default a {@link MemoryRateLimitStore}: limits per process). */
  store?: RateLimitStore;
  /** The limits; a request must pass every rule that applies to it. */
  rules: readonly RateLimitRule[];
  /** Requests in flight at once per caller (subject, else address), in this process. */
  concurrency?: { perPrincipal?: number };
  /**
   * How many reverse proxies in front append to `X-Forwarded-For` (`true` is one; default
   * none): addresses are read that many entries from the right. IPv6 addresses count by
   * their /64.
   */
  trustProxy?: TrustedProxies;
}

/** One bucket to take a token from, and what to say when it is empty. */
interface Check {
  readonly rule: CompiledRule;
  readonly key: string;
  /** The tool, for tool rules. */
  readonly tool?: string;
}

/** Rules that fit a mount, split by where they are checked. */
interface MountRules {
  /** Checked on admission, before the body is read. */
  readonly admission: readonly CompiledRule[];
  /** Checked per tools/call. */
  readonly tools: readonly CompiledRule[];
}

/**
 * Rate limits and concurrency limits for a host, as a {@link HostPlugin}. Caller, key and
 * address rules refuse a request on admission, before its body is read; tool rules refuse
 * a `tools/call`. A refusal is HTTP 429 with `Retry-After` and JSON-RPC error -32029
 * ("Rate limit reached for tool send_email: 10 calls per 60 s; retry in 12 s"); too many
 * requests in flight is HTTP 503 with `Retry-After: 1` and -32030.
 *
 * @example
 * const limits = rateLimitPlugin({
 *   rules: [
 *     { by: "key", limit: 1000, windowSeconds: 3600 },
 *     { by: "tool", tools: ["send_email"], limit: 10, windowSeconds: 60 },
 *   ],
 *   concurrency: { perPrincipal: 8 },
 * });
 */
export function rateLimitPlugin(options: RateLimitOptions): HostPlugin {
  if (!options || !Array.isArray(options.rules))
    throw new TypeError("rateLimitPlugin needs a list of rules");
  const rules = options.rules.map(compileRule);
  const store = options.store ?? new MemoryRateLimitStore();
  const trustProxy = options.trustProxy ?? false;
  const perPrincipal = options.concurrency?.perPrincipal;
  const inFlight = perPrincipal === undefined ? undefined : new InFlightLimit(perPrincipal);
  let failure: { error: unknown; at: number } | undefined;

  const rulesOf = (mount: MountInfo): MountRules => {
    const fits = rules.filter((r) => !r.servers || r.servers.has(mount.name));
    return {
      admission: fits.filter((r) => r.rule.by !== "tool"),
      tools: fits.filter((r) => r.rule.by === "tool"),
    };
  };

  /**
   * Take a token per rule in turn; throws the refusal of the first rule out of tokens.
   * A store that fails refuses nothing: limits are protection, not a reason to stop
   * serving. The failure shows in the readiness details until the store answers again.
   */
  const takeAll = (checks: readonly Check[], from = 0): undefined | Promise<undefined> => {
    for (let i = from; i < checks.length; i++) {
      const check = checks[i]!;
      let decision: RateLimitDecision | Promise<RateLimitDecision>;
      try {
        decision = store.take(check.key, check.rule.bucket, Date.now());
      } catch (error) {
        failure = { error, at: Date.now() };
        continue;
      }
      if (decision instanceof Promise) {
        return decision.then(
          (answer) => {
            failure = undefined;
            refuseIfEmpty(check, answer);
            return takeAll(checks, i + 1);
          },
          (error: unknown) => {
            failure = { error, at: Date.now() };
            return takeAll(checks, i + 1);
          },
        );
      }
      failure = undefined;
      refuseIfEmpty(check, decision);
    }
    return undefined;
  };

  const admit = (mount: MountInfo): Admission | undefined => {
    const { admission } = rulesOf(mount);
    if (admission.length === 0 && !inFlight) return undefined;
    return (req, principal) => {
      let address: string | undefined;
      const addressOf = () => (address ??= countedAddress(req, trustProxy));
      let release: (() => void) | undefined;
      // Only requests that do work count: POSTs, and the messages of a WebSocket (admitted
      // with its upgrade request). A 2025-era GET stream stays open for the whole session.
      if (inFlight && (req.method === "POST" || req.headers.upgrade !== undefined)) {
        const who = principal.subject ?? `address ${addressOf()}`;
        release = inFlight.enter(who);
        if (!release) {
          throw new UnavailableError(
            `Too many requests in flight: at most ${inFlight.limit} at a time per caller; retry in 1 s`,
            1,
          );
        }
      }
      const checks: Check[] = [];
      for (const rule of admission) {
        const identity = identityOf(rule.rule.by, principal, addressOf);
        if (identity !== undefined) checks.push({ rule, key: `${rule.id}\n${identity}` });
      }
      try {
        const taken = takeAll(checks);
        if (!taken) return release;
        return taken.then(
          () => release,
          (error: unknown) => {
            release?.();
            throw error;
          },
        );
      } catch (error) {
        release?.();
        throw error;
      }
    };
  };

  const observer = (mount: MountInfo): CallObserver | undefined => {
    const { tools } = rulesOf(mount);
    if (tools.length === 0) return undefined;
    return {
      start(call) {
        if (call.method !== "tools/call" || call.name === undefined) return undefined;
        const name = call.name;
        const limited = tools.filter((rule) => !rule.tools || rule.tools.has(name));
        if (limited.length === 0) return undefined;
        // Anonymous callers are counted by the address of the request that carried the call.
        const who = callerOf(call.principal, call.httpRequest, trustProxy);
        return takeAll(
          limited.map((rule) => ({
            rule,
            key: `${rule.id}\n${mount.name}\n${name}\n${who}`,
            tool: name,
          })),
        );
      },
    };
  };

  const plugin: HostPlugin = {
    name: "rate-limit",
    admit,
    observer,
    // A failing store leaves the replica ready: replicas share it, so failing readiness
    // would take every one of them out of rotation at once.
    async ready(): Promise<readonly ReadinessCheck[]> {
      if (!failure) return [{ name: "rate-limit-store", ok: true }];
      const reason = failure.error instanceof Error ? failure.error.message : String(failure.error);
      return [
        {
          name: "rate-limit-store",
          ok: true,
          detail: `failing since ${new Date(failure.at).toISOString()} (${reason}): rate limits are not enforced until it answers`,
        },
      ];
    },
    async close() {
      await store.close?.();
    },
  };
  return plugin;
}

/** What an admission rule counts for this caller, or undefined when it does not apply. */
function identityOf(
  by: RateLimitRule["by"],
  principal: Principal,
  addressOf: () => string,
): string | undefined {
  switch (by) {
    case "principal":
      return principal.subject === undefined
        ? `address ${addressOf()}`
        : `subject ${principal.subject}`;
    case "key":
      return principal.via === "api-key"
        ? `key ${principal.subject ?? ""} ${principal.keyId ?? ""}`
        : undefined;
    default:
      return addressOf();
  }
}

/** Who a tool rule counts: the subject, else the address, else all anonymous callers as one. */
function callerOf(
  principal: Principal,
  req: IncomingMessage | undefined,
  trustProxy: TrustedProxies,
): string {
  if (principal.subject !== undefined) return `subject ${principal.subject}`;
  return req ? `address ${countedAddress(req, trustProxy)}` : "anonymous";
}

/** Throw the refusal for a check whose bucket was empty. */
function refuseIfEmpty(check: Check, decision: RateLimitDecision): void {
  if (decision.allowed) return;
  throw new RateLimitedError(
    refusalMessage(check.rule.rule, decision.retryAfterSeconds, check.tool),
    decision.retryAfterSeconds,
  );
}
