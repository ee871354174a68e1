import { type BerthError, retryAfterHeader, toBerthError } from "../../errors.js";
import { errorResponse, type RequestId } from "../../protocol/jsonrpc.js";

/** A JSON response with a status. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...headers, "content-type": "application/json" },
  });
}

/**
 * A JSON-RPC error response carrying the error's HTTP status, with `Retry-After` for rate
 * limits and unavailability, as the node endpoint writes it.
 */
export function errorJsonResponse(
  error: unknown,
  id: RequestId | null = null,
  headers?: Record<string, string>,
): Response {
  const failure: BerthError = toBerthError(error);
  return jsonResponse(failure.status, errorResponse(id, failure), {
    ...headers,
    ...retryAfterHeader(failure),
  });
}

/** 405 with the methods the endpoint accepts. */
export function methodNotAllowed(allow: string): Response {
  return jsonResponse(
    405,
    {
      jsonrpc: "2.0",
      id: null,
      error: { code: -32000, message: `Method not allowed: use ${allow}` },
    },
    { allow },
  );
}
