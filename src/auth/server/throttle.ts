import { setBounded } from "../bounded-map.js";

/** Limits of the sign-in throttle. */
export interface SignInThrottleOptions {
  /** Failures allowed per account in a window (default 5). */
  perAccount?: number;
  /** Failures allowed per client address in a window (default 20). */
  perAddress?: number;
  /** The window, in seconds (default 900). */
  windowSeconds?: number;
}

const TRACKED_LIMIT = 100_000;

/**
 * Counts failed sign-ins per account and per address over a sliding window, and refuses
 * further attempts once either is over its limit until the oldest failure leaves the
 * window. A blocked attempt is refused before the password is checked, so guessing stops
 * even for the right password. State is in this process; behind several replicas each
 * keeps its own counts.
 */
export class SignInThrottle {
  readonly #perAccount: number;
  readonly #perAddress: number;
  readonly #windowMs: number;
  readonly #failures = new Map<string, number[]>();

  constructor(options: SignInThrottleOptions = {}) {
    this.#perAccount = options.perAccount ?? 5;
    this.#perAddress = options.perAddress ?? 20;
    this.#windowMs = (options.windowSeconds ?? 900) * 1000;
  }

  /**
   * Start an attempt: the seconds to wait when the account or address is over its limit
   * (nothing recorded), else 0 after counting the attempt as a failure until
   * {@link succeeded} says otherwise. Counting before the password is checked means
   * attempts sent in parallel cannot all slip under the limit.
   */
  begin(account: string | undefined, address: string, now = Date.now()): number {
    const wait = Math.max(
      this.#wait(`address:${address}`, this.#perAddress, now),
      account ? this.#wait(`account:${account}`, this.#perAccount, now) : 0,
    );
    if (wait > 0) return Math.ceil(wait / 1000);
    this.#record(`address:${address}`, now);
    if (account) this.#record(`account:${account}`, now);
    return 0;
  }

  /** Count a failure against an account the attempt did not name up front. */
  fail(account: string, now = Date.now()): void {
    this.#record(`account:${account}`, now);
  }

  /** The attempt signed in: take back its failure and forget the account's. */
  succeeded(account: string | undefined, address: string): void {
    this.#failures.get(`address:${address}`)?.pop();
    if (account) this.#failures.delete(`account:${account}`);
  }

  #wait(key: string, limit: number, now: number): number {
    const times = this.#recent(key, now);
    if (times.length < limit) return 0;
    return times[times.length - limit]! + this.#windowMs - now;
  }

  #recent(key: string, now: number): number[] {
    const times = this.#failures.get(key);
    if (!times) return [];
    const recent = times.filter((time) => time > now - this.#windowMs);
    if (recent.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, recent);
    return recent;
  }

  #record(key: string, now: number): void {
    const times = this.#recent(key, now);
    // Keep what the limit needs, no more: memory stays bounded under a flood.
    times.push(now);
    if (times.length > Math.max(this.#perAccount, this.#perAddress)) times.shift();
    setBounded(this.#failures, key, times, TRACKED_LIMIT);
  }
}
