import type { IncomingHttpHeaders } from "node:http";
import type { ResourceServer } from "../../auth/resource-server.js";
import { HttpError, JsonRpcCode } from "../../errors.js";
import type { ClientMessage, JsonRpcResponse } from "../../protocol/jsonrpc.js";
import { isModernVersion, META, MODERN_VERSION } from "../../protocol/versions.js";
import { refusalOf, STATUS_OF } from "../../transport/http/modern.js";
import { jsonResponse } from "./respond.js";

/**
 * The JSON response to a 2026-07-28 request, with the status the node endpoint gives it:
 * 429/503 with `Retry-After` for rate limits and unavailability, 403 with a challenge for
 * insufficient scope, the protocol's statuses for header and version errors.
 */
export function finalResponse(
  response: JsonRpcResponse,
  status: number,
  auth: ResourceServer | undefined,
  resource: string,
): Response {
  const error = response.error;
  if (!error) return jsonResponse(200, response);
  const refusal = refusalOf(error, auth ? (scope) => auth.challenge(scope, resource) : undefined);
  if (refusal) return jsonResponse(refusal.status, response, refusal.headers);
  return jsonResponse(STATUS_OF[error.code] ?? status, response);
}

/** True when a message is of the 2026-07-28 era: by its header, or by its request `_meta`. */
export function isModern(headers: IncomingHttpHeaders, incoming: ClientMessage): boolean {
  const version = headers["mcp-protocol-version"];
  if (typeof version === "string" && isModernVersion(version.trim())) return true;
  if (incoming.kind === "response") return false;
  const meta = incoming.message.params["_meta"];
  return typeof meta === "object" && meta !== null && META.protocolVersion in meta;
}

/** The 400 for a 2025-era request to an endpoint that speaks 2026-07-28 only. */
export function legacyRefusal(headers: IncomingHttpHeaders, incoming: ClientMessage): HttpError {
  const params = incoming.kind === "response" ? {} : incoming.message.params;
  const requested = headers["mcp-protocol-version"] ?? params["protocolVersion"] ?? null;
  return new HttpError(
    "ERR_UNSUPPORTED_PROTOCOL_VERSION",
    400,
    JsonRpcCode.UnsupportedProtocolVersion,
    `This endpoint speaks MCP ${MODERN_VERSION} only (stateless, no initialize or sessions): ` +
      `send MCP-Protocol-Version: ${MODERN_VERSION} and the request _meta. 2025-era clients ` +
      "need Berth's node endpoint (serveHttp, createHttpEndpoint, or the Express or Fastify adapter).",
    { data: { supported: [MODERN_VERSION], requested } },
  );
}
