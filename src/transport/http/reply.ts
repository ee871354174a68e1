import type { ServerResponse } from "node:http";
import type { JsonObject } from "../../engine/types.js";
import type { EventStore } from "./event-store.js";
import { SSE_HEADERS, writeEventData } from "./sse.js";

/** Options of a {@link Reply}. */
export interface ReplyOptions {
  /** Extra headers on the response (for example `mcp-session-id`). */
  headers?: Record<string, string>;
  /** Keep events for resumption under this stream id (legacy sessions only). */
  store?: { events: EventStore; streamId: string };
  /** Called when the client goes away before the final response. */
  onDisconnect?: () => void;
  /** Called once the final response was stored (resumable streams) or written. */
  onDone?: () => void;
}

/** Separates the stream id from the store's own id in an SSE event id. */
export const EVENT_ID_SEPARATOR = "|";

/**
 * The answer to one POST (or a session's GET stream): plain JSON when the handler only
 * returns a result, switching to an SSE stream as soon as it sends anything first. With an
 * event store, every event is stored before it is written, so a client can resume a broken
 * stream with `Last-Event-ID`; the final response stays stored until a client has read it.
 */
export class Reply {
  #res: ServerResponse | undefined;
  readonly #options: ReplyOptions;
  #streaming = false;
  #finished = false;
  #queue: Promise<void> = Promise.resolve();

  constructor(res: ServerResponse, options: ReplyOptions = {}) {
    this.#options = options;
    this.#connect(res);
  }

  /** True once the final response was given. */
  get finished(): boolean {
    return this.#finished;
  }

  /** True while a client connection is attached. */
  get connected(): boolean {
    return this.#res !== undefined && !this.#res.writableEnded;
  }

  /**
   * Send a message that comes before the final response. Throws if the message cannot be
   * serialized, so the error reaches the handler that sent it.
   */
  send(message: JsonObject): void {
    if (this.#finished) return;
    const data = JSON.stringify(message);
    this.#startStream();
    this.#emit(message, data, false);
  }

  /** Open the SSE stream now (for GET streams, which carry only later messages). */
  open(): void {
    this.#startStream();
    this.#res?.flushHeaders();
  }

  /** Write the final response and end the stream. */
  finish(message: JsonObject, status = 200, headers?: Record<string, string>): void {
    if (this.#finished) return;
    this.#finished = true;
    const data = JSON.stringify(message);
    if (this.#streaming) {
      this.#emit(message, data, true);
      return;
    }
    const res = this.#res;
    if (res && !res.headersSent) {
      res.writeHead(status, {
        ...this.#options.headers,
        ...headers,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(data),
      });
      res.end(data);
    }
    this.#options.onDone?.();
  }

  /** End without a final response (the request was cancelled): close the stream quietly. */
  abandon(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#startStream();
    this.#queue = this.#queue.then(() => {
      this.#res?.end();
      this.#options.onDone?.();
    });
  }

  /**
   * Attach a new connection: replay what it missed after `lastStoreId` (when given), then
   * carry on live. Runs in event order, so nothing is lost or sent twice. A previous
   * connection that is still open is ended.
   */
  resume(res: ServerResponse, lastStoreId: string | undefined): void {
    this.#queue = this.#queue.then(async () => {
      const previous = this.#res;
      if (previous && previous !== res) previous.end();
      this.#connect(res);
      const store = this.#options.store;
      if (store && lastStoreId !== undefined) {
        await store.events.replayAfter(store.streamId, lastStoreId, (id, message) =>
          this.#write(JSON.stringify(message), id),
        );
      }
      if (this.#finished) this.#endConnected();
    });
  }

  #connect(res: ServerResponse): void {
    this.#res = res;
    // A response emits "close" once: `on` spares the wrapper `once` makes for every call.
    res.on("close", () => {
      if (this.#res !== res) return;
      this.#res = undefined;
      if (!this.#finished) this.#options.onDisconnect?.();
    });
  }

  #startStream(): void {
    if (this.#streaming) return;
    this.#streaming = true;
    const res = this.#res;
    if (res && !res.headersSent) res.writeHead(200, { ...this.#options.headers, ...SSE_HEADERS });
  }

  #emit(message: JsonObject, data: string, last: boolean): void {
    const store = this.#options.store;
    if (!store) {
      this.#write(data, undefined);
      if (last) this.#endConnected();
      return;
    }
    this.#queue = this.#queue.then(async () => {
      let id: string | undefined;
      try {
        id = await store.events.append(store.streamId, message);
      } catch {
        // A failing store costs resumability of this event, never the event itself.
      }
      this.#write(data, id);
      if (last) this.#endConnected();
    });
  }

  #write(data: string, storeId: string | undefined): void {
    const res = this.#res;
    if (!res || res.writableEnded) return;
    const store = this.#options.store;
    const eventId =
      store && storeId !== undefined
        ? `${store.streamId}${EVENT_ID_SEPARATOR}${storeId}`
        : undefined;
    writeEventData(res, data, eventId);
  }

  /** After the final event: end a connected client's stream; keep stored events for one that is not. */
  #endConnected(): void {
    const res = this.#res;
    const store = this.#options.store;
    if (res && !res.writableEnded) {
      res.end();
      store?.events.forget?.(store.streamId);
    }
    this.#options.onDone?.();
  }
}
