/**
 * Requests in flight per caller, in this process. `enter` counts one more for `key` and
 * returns its release, or returns undefined when the caller already has `limit` in flight.
 * Only callers with something in flight take memory.
 */
export class InFlightLimit {
  readonly #counts = new Map<string, number>();
  readonly limit: number;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new TypeError("concurrency.perPrincipal must be a positive whole number");
    this.limit = limit;
  }

  /** Requests in flight for `key` now. */
  count(key: string): number {
    return this.#counts.get(key) ?? 0;
  }

  /** Count a request for `key`; the returned release may be called more than once. */
  enter(key: string): (() => void) | undefined {
    const count = this.#counts.get(key) ?? 0;
    if (count >= this.limit) return undefined;
    this.#counts.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.#counts.get(key) ?? 1) - 1;
      if (left > 0) this.#counts.set(key, left);
      else this.#counts.delete(key);
    };
  }
}
