import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

/**
 * A request id a client or proxy may pass on: short, and of characters that cannot break a
 * log line or a header (letters, digits, `.`, `_`, `:`, `-`).
 */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The id of one HTTP request: the `X-Request-Id` header when it holds a valid one (so a
 * proxy's id follows the request through), otherwise a new random UUID.
 *
 * @example
 * const id = requestIdOf(req); // "3f0c9a52-…" or the caller's own id
 * res.setHeader("x-request-id", id);
 */
export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers["x-request-id"];
  return typeof header === "string" && VALID_REQUEST_ID.test(header) ? header : randomUUID();
}
