/**
 * The shape of one rate-limit bucket: it holds at most `capacity` tokens, every request
 * takes one, and `refillPerSecond` tokens come back each second.
 */
export interface TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
}

/** What a bucket holds: tokens left (fractional while refilling) as of `updatedAt` (ms). */
export interface BucketState {
  tokens: number;
  updatedAt: number;
}

/** The answer to taking one token. */
export interface RateLimitDecision {
  /** True when a token was taken: the request may go on. */
  readonly allowed: boolean;
  /** Whole tokens left after this request. */
  readonly remaining: number;
  /** Seconds until the next token is there (0 when one already is). */
  readonly retryAfterSeconds: number;
}

/** The tokens in a bucket at `now`, refilled since it was last updated, never past capacity. */
export function tokensAt(state: BucketState, bucket: TokenBucket, now: number): number {
  const elapsed = Math.max(0, now - state.updatedAt) / 1000;
  return Math.min(bucket.capacity, state.tokens + elapsed * bucket.refillPerSecond);
}

/**
 * Take one token from a bucket at `now` (ms), updating `state` in place; a bucket never
 * seen before (`state` undefined) starts full. Returns the new state and the decision.
 * Pure arithmetic, so every store (memory, Redis script) gives the same answers.
 *
 * @example
 * const { state, decision } = takeToken(undefined, { capacity: 10, refillPerSecond: 1 }, Date.now());
 */
export function takeToken(
  state: BucketState | undefined,
  bucket: TokenBucket,
  now: number,
): { state: BucketState; decision: RateLimitDecision } {
  const next = state ?? { tokens: bucket.capacity, updatedAt: now };
  const tokens = state ? tokensAt(state, bucket, now) : bucket.capacity;
  const allowed = tokens >= 1;
  next.tokens = allowed ? tokens - 1 : tokens;
  next.updatedAt = now;
  const missing = 1 - next.tokens;
  return {
    state: next,
    decision: {
      allowed,
      remaining: Math.floor(next.tokens),
      retryAfterSeconds: missing > 0 ? missing / bucket.refillPerSecond : 0,
    },
  };
}
