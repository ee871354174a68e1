import type { RateLimitStore } from "./rate-limit-store.js";
import {
  type BucketState,
  type RateLimitDecision,
  type TokenBucket,
  takeToken,
} from "./token-bucket.js";

/** Options of a {@link MemoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /** Most buckets kept at once (default 100,000, about 20 MB); ones not used recently go first. */
  maxKeys?: number;
}

/** A bucket, and whether it was used since the eviction sweep last passed it. */
interface Entry extends BucketState {
  used: boolean;
}

/**
 * Rate-limit buckets in this process's memory, answered synchronously. Bounded: past
 * `maxKeys` buckets one not used recently is dropped (the "second chance" approximation
 * of least recently used, which costs nothing on a hit). An idle bucket refills, so
 * dropping it changes nothing unless it was still refilling, and then the caller gets its
 * budget back early, never later. No timers.
 *
 * @example
 * rateLimitPlugin({ store: new MemoryRateLimitStore({ maxKeys: 10_000 }), rules: [...] });
 */
export class MemoryRateLimitStore implements RateLimitStore {
  // A Map iterates in insertion order: the sweep for a bucket to drop starts at the oldest.
  readonly #buckets = new Map<string, Entry>();
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
    let entry = this.#buckets.get(key);
    if (entry) entry.used = true;
    else {
      if (this.#buckets.size >= this.#maxKeys) this.#evictOne();
      entry = { tokens: bucket.capacity, updatedAt: now, used: false };
      this.#buckets.set(key, entry);
    }
    return takeToken(entry, bucket, now).decision;
  }

  /**
   * Drop the oldest bucket not used since the sweep last passed it; a used one gets a
   * second chance (moved to the end, marked unused). Ends within one pass over the map.
   */
  #evictOne(): void {
    for (const [key, entry] of this.#buckets) {
      this.#buckets.delete(key);
      if (!entry.used) return;
      entry.used = false;
      this.#buckets.set(key, entry);
    }
  }

  /** Drop every bucket. */
  close(): void {
    this.#buckets.clear();
  }
}
