import type { ServerResponse } from "node:http";
import type { JsonObject } from "../../engine/types.js";
import { type BerthError, retryAfterHeader, toBerthError } from "../../errors.js";
import { errorResponse, type RequestId } from "../../protocol/jsonrpc.js";
import { EVENT_ID_SEPARATOR } from "./reply.js";
import { SSE_HEADERS, writeEvent } from "./sse.js";

/** Write a JSON body with a status. */
export function writeJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers?: Record<string, string>,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** End a request with a JSON-RPC error and the error's HTTP status. */
export function writeError(
  res: ServerResponse,
  error: unknown,
  id: RequestId | null = null,
  headers?: Record<string, string>,
): void {
  const failure: BerthError = toBerthError(error);
  // Past a body limit the rest of the body is unread: close the connection, don't drain it.
  const close = failure.status === 413 ? { connection: "close" } : undefined;
  writeJson(res, failure.status, errorResponse(id, failure), {
    ...headers,
    ...close,
    ...retryAfterHeader(failure),
  });
}

/** 202 Accepted with no body, for notifications and responses. */
export function writeAccepted(res: ServerResponse): void {
  res.writeHead(202);
  res.end();
}

/** 405 with the methods this endpoint accepts. */
export function writeMethodNotAllowed(res: ServerResponse, allow: string): void {
  writeJson(
    res,
    405,
    {
      jsonrpc: "2.0",
      id: null,
      error: { code: -32000, message: `Method not allowed: use ${allow}` },
    } satisfies JsonObject,
    { allow },
  );
}

/**
 * Answer a GET that resumes a finished stream: replay its stored events (the final
 * response included) and end; 404 when the store no longer has them.
 */
export async function writeEventsOnly(
  res: ServerResponse,
  sessionId: string,
  replay: (send: (id: string, message: JsonObject) => void) => Promise<boolean> | boolean,
  streamId: string,
): Promise<void> {
  const send = (id: string, message: JsonObject) => {
    if (!res.headersSent) res.writeHead(200, { ...SSE_HEADERS, "mcp-session-id": sessionId });
    writeEvent(res, message, `${streamId}${EVENT_ID_SEPARATOR}${id}`);
  };
  const known = await replay(send);
  if (!known && !res.headersSent) {
    writeJson(res, 404, {
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: "Last-Event-ID is unknown or expired" },
    });
    return;
  }
  if (!res.headersSent) res.writeHead(200, { ...SSE_HEADERS, "mcp-session-id": sessionId });
  res.end();
}
