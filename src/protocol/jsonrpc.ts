import type { JsonObject } from "../engine/types.js";
import { type BerthError, InvalidRequestError, JsonRpcCode } from "../errors.js";

/** A JSON-RPC request id. */
export type RequestId = string | number;

/** A JSON-RPC request. */
export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id: RequestId;
  method: string;
  params: JsonObject;
}

/** A JSON-RPC notification. */
export interface JsonRpcNotification {
  jsonrpc: "2.0";
  method: string;
  params: JsonObject;
}

/** A JSON-RPC response (result or error). */
export interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: RequestId | null;
  result?: JsonObject;
  error?: { code: number; message: string; data?: unknown };
}

/** Any message Berth accepts from a client. */
export type ClientMessage =
  | { kind: "request"; message: JsonRpcRequest }
  | { kind: "notification"; message: JsonRpcNotification }
  | { kind: "response"; message: JsonRpcResponse };

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Classify and validate one JSON-RPC message; throws {@link InvalidRequestError} (-32600). */
export function parseMessage(value: unknown): ClientMessage {
  if (!isObject(value))
    throw new InvalidRequestError("Invalid request: a JSON-RPC message must be an object");
  if (value["jsonrpc"] !== "2.0")
    throw new InvalidRequestError("Invalid request: 'jsonrpc' must be \"2.0\"");
  const id = value["id"];
  const hasId = "id" in value;
  if (hasId && typeof id !== "string" && (typeof id !== "number" || !Number.isFinite(id))) {
    if (!(id === null && ("result" in value || "error" in value))) {
      throw new InvalidRequestError("Invalid request: 'id' must be a string or a number");
    }
  }
  if ("method" in value) {
    const method = value["method"];
    if (typeof method !== "string" || method.length === 0) {
      throw new InvalidRequestError("Invalid request: 'method' must be a non-empty string");
    }
    const params = value["params"] ?? {};
    if (!isObject(params))
      throw new InvalidRequestError("Invalid request: 'params' must be an object");
    if (hasId)
      return { kind: "request", message: { jsonrpc: "2.0", id: id as RequestId, method, params } };
    return { kind: "notification", message: { jsonrpc: "2.0", method, params } };
  }
  if (hasId && ("result" in value || "error" in value)) {
    return { kind: "response", message: value as unknown as JsonRpcResponse };
  }
  throw new InvalidRequestError(
    "Invalid request: a message needs a 'method', or a 'result' or 'error'",
  );
}

/** The `id` of a raw message when it has a usable one, for error responses. */
export function idOf(value: unknown): RequestId | null {
  if (!isObject(value)) return null;
  const id = value["id"];
  return typeof id === "string" || typeof id === "number" ? id : null;
}

/** A JSON-RPC success response. */
export function resultResponse(id: RequestId, result: JsonObject): JsonRpcResponse {
  return { jsonrpc: "2.0", id, result };
}

/** A JSON-RPC error response built from any error. */
export function errorResponse(
  id: RequestId | null,
  error: BerthError,
  rpcCode = error.rpcCode,
): JsonRpcResponse {
  const body: { code: number; message: string; data?: unknown } = {
    code: rpcCode,
    message: error.message,
  };
  if (error.data !== undefined) body.data = error.data;
  return { jsonrpc: "2.0", id, error: body };
}

/** A JSON-RPC notification message. */
export function notification(method: string, params: JsonObject): JsonRpcNotification {
  return { jsonrpc: "2.0", method, params };
}

export { JsonRpcCode };
