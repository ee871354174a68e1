import type { ServerResponse } from "node:http";
import type { JsonObject } from "../../engine/types.js";
import type { EventStore } from "./event-store.js";
import { SSE_HEADERS, writeEvent } from "./sse.js";

/** Options of a {@link Reply}. */
export interface ReplyOptions {
  /** Extra headers on the response (for example `mcp-session-id`). */
  headers?: Record<string, string>;
  /** Keep events for resumption under this stream id (legacy sessions only). */
  store?: { events: EventStore; streamId: string };
  /** Called when the client goes away before the final response. */
  onDisconnect?: () => void;
}

/**
 * The answer to one POST: plain JSON when the handler only returns a result, switching to
 * an SSE stream as soon as it sends anything first (progress, logs, requests to the client).
 * With an event store, events survive a broken connection and can be resumed.
 */
export class Reply {
  #res: ServerResponse | undefined;
  readonly #options: ReplyOptions;
  #streaming = false;
  #finished = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(res: ServerResponse, options: ReplyOptions = {}) {
    this.#res = res;
    this.#options = options;
    res.once("close", () => {
      if (this.#res === res) this.#res = undefined;
      if (!this.#finished) options.onDisconnect?.();
    });
  }

  /** True once the final response was written. */
  get finished(): boolean {
    return this.#finished;
  }

  /** True while a client connection is attached. */
  get connected(): boolean {
    return this.#res !== undefined && !this.#res.writableEnded;
  }

  /** Send a message that comes before the final response. */
  send(message: JsonObject): void {
    if (this.#finished) return;
    this.#startStream();
    this.#emit(message);
  }

  /** Write the final response and end the stream. */
  finish(message: JsonObject, status = 200): void {
    if (this.#finished) return;
    this.#finished = true;
    if (!this.#streaming) {
      const res = this.#res;
      if (!res || res.headersSent) return;
      const body = JSON.stringify(message);
      res.writeHead(status, {
        ...this.#options.headers,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
      });
      res.end(body);
      return;
    }
    this.#emit(message);
    this.#queue = this.#queue.then(() => {
      this.#res?.end();
      const store = this.#options.store;
      store?.events.forget?.(store.streamId);
    });
  }

  /** End without a final response (the request was cancelled): close the stream quietly. */
  abandon(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#startStream();
    this.#queue = this.#queue.then(() => {
      this.#res?.end();
      const store = this.#options.store;
      store?.events.forget?.(store.streamId);
    });
  }

  /** Attach a resumed connection (GET with Last-Event-ID) to this still-running stream. */
  attach(res: ServerResponse): void {
    this.#res = res;
    res.once("close", () => {
      if (this.#res === res) this.#res = undefined;
    });
  }

  #startStream(): void {
    if (this.#streaming) return;
    this.#streaming = true;
    const res = this.#res;
    if (res && !res.headersSent) res.writeHead(200, { ...this.#options.headers, ...SSE_HEADERS });
  }

  #emit(message: JsonObject): void {
    const store = this.#options.store;
    if (!store) {
      if (this.#res) writeEvent(this.#res, message);
      return;
    }
    this.#queue = this.#queue.then(async () => {
      const eventId = await store.events.append(store.streamId, message);
      if (this.#res) writeEvent(this.#res, message, eventId);
    });
  }
}
