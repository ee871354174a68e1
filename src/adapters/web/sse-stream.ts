import type { JsonObject } from "../../engine/types.js";
import { MAX_BUFFERED_BYTES } from "../../transport/http/sse.js";

/** Headers of an SSE response (no `Connection`: HTTP/2 runtimes refuse it). */
const HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  "x-accel-buffering": "no",
} as const;

const encoder = new TextEncoder();

/**
 * A server-sent event stream as a web `ReadableStream`: messages are written as `message`
 * events; a reader that falls more than {@link MAX_BUFFERED_BYTES} behind is cut off
 * instead of buffering without bound. `onClose` runs once, however the stream ends.
 */
export class SseStream {
  readonly #controller: ReadableStreamDefaultController<Uint8Array>;
  readonly #onClose: () => void;
  readonly #body: ReadableStream<Uint8Array>;
  #closed = false;

  constructor(onClose: () => void) {
    this.#onClose = onClose;
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    this.#body = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          controller = c;
        },
        cancel: () => this.#ended(),
      },
      new ByteLengthQueuingStrategy({ highWaterMark: 64 * 1024 }),
    );
    this.#controller = controller;
  }

  /** The response carrying the stream. */
  response(): Response {
    return new Response(this.#body, { status: 200, headers: HEADERS });
  }

  /** Send one JSON-RPC message. */
  write(message: JsonObject): void {
    this.#enqueue(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  }

  /** Send a comment line, so proxies keep an idle stream open. */
  comment(): void {
    this.#enqueue(":\n\n");
  }

  /** End the stream after what was written. */
  close(): void {
    if (this.#closed) return;
    this.#controller.close();
    this.#ended();
  }

  #enqueue(text: string): void {
    if (this.#closed) return;
    if ((this.#controller.desiredSize ?? 0) < -MAX_BUFFERED_BYTES) {
      this.#controller.error(new Error("The client reads the event stream too slowly"));
      this.#ended();
      return;
    }
    this.#controller.enqueue(encoder.encode(text));
  }

  #ended(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
  }
}
