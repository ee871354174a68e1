import type { IncomingMessage, Server as NodeServer, ServerResponse } from "node:http";
import { Server as NetServer } from "node:net";
import type { RequestEnd } from "./plugins.js";
import { HostResponse, type ResponseWatcher } from "./response.js";

/**
 * Requests in flight on a host, so that draining can wait for them. Long-lived streams
 * (a 2025-era GET stream, a 2026-07-28 `subscriptions/listen`) are kept apart: they never
 * finish by themselves, so draining ends them instead of waiting. Requests are only counted:
 * a host's own responses look at {@link draining} when they start, so none needs to be found
 * again when draining begins.
 */
export class InFlight implements ResponseWatcher {
  #requests = 0;
  readonly #streams = new Set<ServerResponse>();
  /** Requests whose responses are not the host's own (they cannot look for themselves). */
  readonly #others = new Set<ServerResponse>();
  #draining = false;
  #onIdle: (() => void) | undefined;

  /** True once draining has begun. */
  get draining(): boolean {
    return this.#draining;
  }

  /** Requests being answered now, streams excluded. */
  get size(): number {
    return this.#requests;
  }

  /**
   * Watch one request until its response closes; `stream` for one that opens a stream.
   * `then` is called after, with the status sent (0 when none was).
   */
  track(res: ServerResponse, stream: boolean, then?: RequestEnd): void {
    if (this.#draining) closeAfter(res);
    if (stream) this.#streams.add(res);
    else this.#requests++;
    if (res instanceof HostResponse) {
      res.watchedBy(this, stream, then);
      return;
    }
    // A response the host did not create: found again when draining begins.
    if (!stream) this.#others.add(res);
    res.on("close", () => {
      this.closed(res, stream);
      then?.call(res.headersSent ? res.statusCode : 0);
    });
  }

  /** A response {@link track}ed has closed. */
  closed(res: ServerResponse, stream: boolean): void {
    if (stream) this.#streams.delete(res);
    else {
      this.#requests--;
      if (this.#others.size > 0) this.#others.delete(res);
      if (this.#requests === 0) this.#onIdle?.();
    }
  }

  /**
   * Stop reusing connections: responses not started yet will say `Connection: close`.
   * Returns when no request is in flight, or after `deadlineMs` (then false).
   */
  drain(deadlineMs: number): Promise<boolean> {
    this.#draining = true;
    for (const res of this.#others) closeAfter(res);
    for (const res of this.#streams) closeAfter(res);
    if (this.#requests === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#onIdle = undefined;
        resolve(false);
      }, deadlineMs);
      this.#onIdle = () => {
        clearTimeout(timer);
        this.#onIdle = undefined;
        resolve(true);
      };
    });
  }

  /**
   * Tell every open event stream when to reconnect (the SSE `retry` field), before the
   * streams are ended: clients come back after `ms`, to this replica's successor.
   */
  hintRetry(ms: number): void {
    for (const res of this.#streams)
      if (res.headersSent && !res.writableEnded && res.statusCode === 200)
        res.write(`retry: ${ms}\n\n`);
  }
}

/**
 * Whether a request to an MCP endpoint opens a stream that lasts until one side ends it: a
 * GET (the 2025-era stream, the 2024 HTTP+SSE stream) or a 2026-07-28 `subscriptions/listen`.
 */
export function opensStream(req: IncomingMessage): boolean {
  return req.method === "GET" || req.headers["mcp-method"] === "subscriptions/listen";
}

function closeAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader("connection", "close");
}

/**
 * Stop accepting connections while keeping the open ones: a request that arrives on a
 * kept-alive connection is then answered (503 while draining) rather than cut off.
 * (`http.Server.close` would also drop idle connections at once.)
 */
export function stopAccepting(http: NodeServer): void {
  if (http.listening) NetServer.prototype.close.call(http);
}

/**
 * Close every connection: idle ones as soon as they are idle, busy ones after `graceMs`.
 * Resolves when the listener has closed.
 */
export function closeConnections(http: NodeServer, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    // Streams just ended become idle once their last bytes are out: look again shortly.
    const sweep = setInterval(() => http.closeIdleConnections(), 50);
    const cut = setTimeout(() => http.closeAllConnections(), graceMs);
    // `close` on a listener already stopped still drops idle connections and stops Node's
    // timers; its "not running" error is expected here.
    http.close(() => {
      clearInterval(sweep);
      clearTimeout(cut);
      resolve();
    });
  });
}
