import type { ServerResponse } from "node:http";
import type { JsonObject } from "../../engine/types.js";
import { type BerthError, toBerthError } from "../../errors.js";
import { errorResponse, type RequestId } from "../../protocol/jsonrpc.js";

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
  writeJson(res, failure.status, errorResponse(id, failure), headers);
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
