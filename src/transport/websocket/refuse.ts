import { STATUS_CODES } from "node:http";
import type { Duplex } from "node:stream";
import { retryAfterHeader, toBerthError } from "../../errors.js";
import { errorResponse } from "../../protocol/jsonrpc.js";

/**
 * Refuse a WebSocket handshake with a plain HTTP response carrying the error's status and a
 * JSON-RPC error body, then close the socket. Nothing was upgraded, so clients see an
 * ordinary HTTP refusal (a 401 with its challenge, a 403 for a foreign Origin, a 429 or 503
 * with `Retry-After`).
 */
export function refuseUpgrade(
  socket: Duplex,
  error: unknown,
  headers: Record<string, string> = {},
): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const failure = toBerthError(error);
  const body = JSON.stringify(errorResponse(null, failure));
  const lines = [
    `HTTP/1.1 ${failure.status} ${STATUS_CODES[failure.status] ?? "Error"}`,
    "connection: close",
    "content-type: application/json",
    `content-length: ${Buffer.byteLength(body)}`,
    ...Object.entries({ ...headers, ...retryAfterHeader(failure) }).map(
      ([name, value]) => `${name}: ${value}`,
    ),
  ];
  socket.once("finish", () => socket.destroy());
  socket.end(`${lines.join("\r\n")}\r\n\r\n${body}`);
}
