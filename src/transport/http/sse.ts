import type { ServerResponse } from "node:http";
import type { JsonObject } from "../../engine/types.js";

/** Headers of every SSE response. */
export const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

/**
 * Most bytes an SSE response may have waiting for a slow reader; past it the connection
 * is dropped instead of buffering without bound.
 */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

/** Write one SSE event whose data is already serialized JSON. */
export function writeEventData(res: ServerResponse, data: string, eventId?: string): void {
  if (res.writableLength > MAX_BUFFERED_BYTES) {
    res.destroy(new Error("The client reads the event stream too slowly"));
    return;
  }
  const id = eventId === undefined ? "" : `id: ${eventId}\n`;
  res.write(`${id}event: message\ndata: ${data}\n\n`);
}

/** Write one SSE event carrying a JSON-RPC message. */
export function writeEvent(res: ServerResponse, message: JsonObject, eventId?: string): void {
  writeEventData(res, JSON.stringify(message), eventId);
}

/** Send SSE comment lines every `intervalMs` so proxies keep the stream open. */
export function keepAlive(res: ServerResponse, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => {};
  const timer = setInterval(() => {
    if (!res.writableEnded) res.write(":\n\n");
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
