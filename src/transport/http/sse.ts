import type { ServerResponse } from "node:http";
import type { JsonObject } from "../../engine/types.js";

/** Headers of every SSE response. */
export const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-cache, no-transform",
  connection: "keep-alive",
  "x-accel-buffering": "no",
} as const;

/** Write one SSE event carrying a JSON-RPC message. */
export function writeEvent(res: ServerResponse, message: JsonObject, eventId?: string): boolean {
  const id = eventId === undefined ? "" : `id: ${eventId}\n`;
  return res.write(`${id}event: message\ndata: ${JSON.stringify(message)}\n\n`);
}

/** Send SSE comment lines every `intervalMs` so proxies keep the stream open. */
export function keepAlive(res: ServerResponse, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => {};
  const timer = setInterval(() => res.write(":\n\n"), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
