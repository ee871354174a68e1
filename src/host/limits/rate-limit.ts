import type { IncomingMessage } from "node:http";
import type { Principal } from "../../engine/context.js";
import type { CallObserver } from "../../engine/observer.js";
import { RateLimitedError, UnavailableError } from "../../errors.js";
import { countedAddress, type TrustedProxies } from "../../transport/http/client-address.js";
import type { Admission, HostPlugin, MountInfo, ReadinessCheck } from "../plugin.js";
import { CallerKeys } from "./caller-keys.js";
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

/** Tool names whose matching rules are remembered per mount (names come from clients). */
const TOOL_RULES_LIMIT = 1024;

/** A tool rule with the store keys of one mount and tool. */
interface ToolRule {
  readonly rule: CompiledRule;
  readonly keys: CallerKeys;
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
   * Take a token from one bucket; throws the rule's refusal when it is empty. A store that
   * fails refuses nothing: limits are protection, not a reason to stop serving. The failure
   * shows in the readiness details until the store answers again. Synchronous when the
   * store is.
   */
  const take = (rule: CompiledRule, key: string, tool?: string): undefined | Promise<void> => {
    let decision: RateLimitDecision | Promise<RateLimitDecision>;
    try {
      decision = store.take(key, rule.bucket, Date.now());
    } catch (error) {
      failure = { error, at: Date.now() };
      return undefined;
    }
    if (decision instanceof Promise) {
      return decision.then(
        (answer) => {
          failure = undefined;
          refuseIfEmpty(rule, answer, tool);
        },
        (error: unknown) => {
          failure = { error, at: Date.now() };
        },
      );
    }
    if (failure) failure = undefined;
    refuseIfEmpty(rule, decision, tool);
    return undefined;
  };

  /** `take` after `before` has passed, or at once when there is nothing before it. */
  const then = (
    before: Promise<void> | undefined,
    rule: CompiledRule,
    key: string,
    tool?: string,
  ): Promise<void> | undefined =>
    before ? before.then(() => take(rule, key, tool)) : take(rule, key, tool);

  const admit = (mount: MountInfo): Admission | undefined => {
    const admission = rulesOf(mount).admission.map((rule) => {
      const prefix = `${rule.id}\n`;
      // An address rule's keys are the address alone.
      return {
        rule,
        keys: new CallerKeys(prefix, rule.rule.by === "address" ? prefix : undefined),
      };
    });
    if (admission.length === 0 && !inFlight) return undefined;
    return (req, principal) => {
      let release: (() => void) | undefined;
      // Only requests that do work count: POSTs, and the messages of a WebSocket (admitted
      // with its upgrade request). A 2025-era GET stream stays open for the whole session.
      if (inFlight && (req.method === "POST" || req.headers.upgrade !== undefined)) {
        const who = principal.subject ?? `address ${countedAddress(req, trustProxy)}`;
        release = inFlight.enter(who);
        if (!release) {
          throw new UnavailableError(
            `Too many requests in flight: at most ${inFlight.limit} at a time per caller; retry in 1 s`,
            1,
          );
        }
      }
      // Rules are taken in turn: the first refusal stops the rest.
      let pending: Promise<void> | undefined;
      try {
        for (const { rule, keys } of admission) {
          const key = admissionKey(rule.rule.by, keys, principal, req, trustProxy);
          if (key !== undefined) pending = then(pending, rule, key);
        }
      } catch (error) {
        release?.();
        throw error;
      }
      if (!pending) return release;
      return pending.then(
        () => release,
        (error: unknown) => {
          release?.();
          throw error;
        },
      );
    };
  };

  const observer = (mount: MountInfo): CallObserver | undefined => {
    const { tools } = rulesOf(mount);
    if (tools.length === 0) return undefined;
    const byTool = new Map<string, readonly ToolRule[]>();
    const rulesFor = (name: string): readonly ToolRule[] => {
      let found = byTool.get(name);
      if (!found) {
        found = tools
          .filter((rule) => !rule.tools || rule.tools.has(name))
          .map((rule) => ({ rule, keys: new CallerKeys(`${rule.id}\n${mount.name}\n${name}\n`) }));
        if (byTool.size < TOOL_RULES_LIMIT) byTool.set(name, found);
      }
      return found;
    };
    return {
      start(call) {
        if (call.method !== "tools/call" || call.name === undefined) return undefined;
        const name = call.name;
        const limited = rulesFor(name);
        if (limited.length === 0) return undefined;
        let pending: Promise<void> | undefined;
        for (const { rule, keys } of limited)
          pending = then(
            pending,
            rule,
            callerKey(keys, call.principal, call.httpRequest, trustProxy),
            name,
          );
        return pending?.then(() => undefined);
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

/** An admission rule's store key for this caller, or undefined when the rule does not apply. */
function admissionKey(
  by: RateLimitRule["by"],
  keys: CallerKeys,
  principal: Principal,
  req: IncomingMessage,
  trustProxy: TrustedProxies,
): string | undefined {
  switch (by) {
    case "principal":
      return principal.subject === undefined
        ? keys.address(countedAddress(req, trustProxy))
        : keys.subject(principal.subject);
    case "key":
      return principal.via === "api-key"
        ? keys.other(`key ${principal.subject ?? ""} ${principal.keyId ?? ""}`)
        : undefined;
    default:
      return keys.address(countedAddress(req, trustProxy));
  }
}

/** A tool rule's store key for a caller: the subject, else the address, else all anonymous callers as one. */
function callerKey(
  keys: CallerKeys,
  principal: Principal,
  req: IncomingMessage | undefined,
  trustProxy: TrustedProxies,
): string {
  if (principal.subject !== undefined) return keys.subject(principal.subject);
  return req ? keys.address(countedAddress(req, trustProxy)) : keys.other("anonymous");
}

/** Throw the refusal of `rule` when its bucket was empty (`tool` for tool rules). */
function refuseIfEmpty(rule: CompiledRule, decision: RateLimitDecision, tool?: string): void {
  if (decision.allowed) return;
  throw new RateLimitedError(
    refusalMessage(rule.rule, decision.retryAfterSeconds, tool),
    decision.retryAfterSeconds,
  );
}
