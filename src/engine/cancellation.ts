/**
 * The cancellation of one request. Its AbortSignal is created only when something asks
 * for it (a handler reading `ctx.signal`, a request to the client), because most requests
 * finish without anyone listening, and an AbortController costs microseconds per request.
 */
export class Cancellation {
  #controller: AbortController | undefined;
  #aborted = false;
  #fired = false;
  #reason: unknown;

  /** True once the request was cancelled: it gets no answer. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** A signal that fires on cancellation or expiry (already aborted if it happened before). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#fired) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Cancel the request; later calls do nothing. */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#fire(reason);
  }

  /**
   * Stop the handler because the request ran out of time: the signal fires with `reason`,
   * but unlike {@link abort} the request is still answered (with that error).
   */
  expire(reason: unknown): void {
    this.#fire(reason);
  }

  #fire(reason: unknown): void {
    if (this.#fired) return;
    this.#fired = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
