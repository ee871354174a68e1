import type { RateLimitStore } from "./rate-limit-store.js";
import {
  type BucketState,
  type RateLimitDecision,
  type TokenBucket,
  takeToken,
} from "./token-bucket.js";

/** Options of a {@link MemoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /** Most buckets kept at once (default 100,000, about 20 MB); the least recently used go first. */
  maxKeys?: number;
}

/**
 * Rate-limit buckets in this process's memory, answered synchronously. Bounded: past
 * `maxKeys` buckets the least recently used one is dropped. An idle bucket refills, so
 * dropping it changes nothing unless it was still refilling, and then the caller gets its
 * budget back early, never later. No timers.
 *
 * @example
 * rateLimitPlugin({ store: new MemoryRateLimitStore({ maxKeys: 10_000 }), rules: [...] });
 */
export class MemoryRateLimitStore implements RateLimitStore {
  // A Map iterates in insertion order; re-inserting on use keeps it least recently used first.
  readonly #buckets = new Map<string, BucketState>();
  readonly #maxKeys: number;

  constructor(options: MemoryRateLimitStoreOptions = {}) {
    const maxKeys = options.maxKeys ?? 100_000;
    if (!Number.isInteger(maxKeys) || maxKeys < 1)
      throw new TypeError("MemoryRateLimitStore: maxKeys must be a positive whole number");
    this.#maxKeys = maxKeys;
  }

  /** Buckets held now. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Take one token from the bucket `key` at `now` (ms). */
  take(key: string, bucket: TokenBucket, now: number): RateLimitDecision {
    const previous = this.#buckets.get(key);
    if (previous) this.#buckets.delete(key);
    else if (this.#buckets.size >= this.#maxKeys) {
      const oldest = this.#buckets.keys().next();
      if (!oldest.done) this.#buckets.delete(oldest.value);
    }
    const { state, decision } = takeToken(previous, bucket, now);
    this.#buckets.set(key, state);
    return decision;
  }

  /** Drop every bucket. */
  close(): void {
    this.#buckets.clear();
  }
}
