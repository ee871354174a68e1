import type { RateLimitDecision, TokenBucket } from "./token-bucket.js";

/**
 * Where rate-limit buckets live. One store is shared by every rule of a plugin (keys are
 * distinct per rule); a store shared by several replicas (Redis) makes their limits one.
 * `take` may answer synchronously (memory) or with a promise (a network store).
 *
 * @example
 * const store: RateLimitStore = new MemoryRateLimitStore({ maxKeys: 50_000 });
 * const decision = await store.take("caller:alice", { capacity: 10, refillPerSecond: 1 }, Date.now());
 */
export interface RateLimitStore {
  /**
   * Take one token from the bucket `key` at `now` (milliseconds since the epoch); a bucket
   * never seen before starts full. Must be atomic per key.
   */
  take(
    key: string,
    bucket: TokenBucket,
    now: number,
  ): RateLimitDecision | Promise<RateLimitDecision>;
  /** Release what the store holds (connections, memory). */
  close?(): void | Promise<void>;
}
