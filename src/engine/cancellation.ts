/**
 * The cancellation of one request. Its AbortSignal is created only when something asks
 * for it (a handler reading `ctx.signal`, a request to the client), because most requests
 * finish without anyone listening, and an AbortController costs microseconds per request.
 */
export class Cancellation {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  /** True once the request was cancelled. */
  get aborted(): boolean {
    return this.#aborted;
  }

  /** A signal that fires on cancellation (already aborted if it happened before). */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /** Cancel the request; later calls do nothing. */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}
