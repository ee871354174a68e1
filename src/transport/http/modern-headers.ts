import type { IncomingMessage } from "node:http";
import { type HeaderParam, valueAt } from "../../engine/header-params.js";
import type { Server } from "../../engine/server.js";
import { HeaderMismatchError } from "../../errors.js";
import type { JsonRpcNotification, JsonRpcRequest } from "../../protocol/jsonrpc.js";
import { META } from "../../protocol/versions.js";

const NAMED: Record<string, string> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
};
const BASE64 = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;

/** Decode a header value that may use the `=?base64?…?=` form. */
export function decodeHeaderValue(value: string, header: string): string {
  const trimmed = value.trim();
  const m = BASE64.exec(trimmed);
  if (!m) {
    if (trimmed.startsWith("=?base64?") && trimmed.endsWith("?=")) {
      throw new HeaderMismatchError(`Header mismatch: ${header} is not valid base64`);
    }
    return trimmed;
  }
  const encoded = m[1]!;
  if (encoded.length % 4 !== 0)
    throw new HeaderMismatchError(`Header mismatch: ${header} is not valid base64`);
  return Buffer.from(encoded, "base64").toString("utf8");
}

/** What the checks read from a request: its headers, names in lower case (a node request fits). */
export type HeaderSource = Pick<IncomingMessage, "headers">;

function header(req: HeaderSource, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(",") : value;
}

/**
 * Check the headers a 2026-07-28 request must carry against its body:
 * MCP-Protocol-Version, Mcp-Method, and Mcp-Name for named methods. -32020 on any problem.
 */
export function checkModernHeaders(
  req: HeaderSource,
  message: JsonRpcRequest | JsonRpcNotification,
  server: Server,
): void {
  const version = header(req, "mcp-protocol-version");
  if (version === undefined)
    throw new HeaderMismatchError("Header mismatch: missing required MCP-Protocol-Version header");
  const meta = message.params["_meta"] as Record<string, unknown> | undefined;
  const bodyVersion = meta?.[META.protocolVersion];
  if (bodyVersion !== undefined && bodyVersion !== version.trim()) {
    throw new HeaderMismatchError(
      `Header mismatch: MCP-Protocol-Version header value '${version}' does not match body value '${String(bodyVersion)}'`,
    );
  }
  const method = header(req, "mcp-method");
  if (method === undefined)
    throw new HeaderMismatchError("Header mismatch: missing required Mcp-Method header");
  if (method.trim() !== message.method) {
    throw new HeaderMismatchError(
      `Header mismatch: Mcp-Method header value '${method}' does not match body value '${message.method}'`,
    );
  }
  const field = NAMED[message.method];
  // Without the body field the request is malformed; the codec reports it as -32602 naming it.
  if (!field || message.params[field] === undefined) return;
  const raw = header(req, "mcp-name");
  if (raw === undefined)
    throw new HeaderMismatchError("Header mismatch: missing required Mcp-Name header");
  const name = decodeHeaderValue(raw, "Mcp-Name");
  const expected = message.params[field];
  if (name !== expected) {
    throw new HeaderMismatchError(
      `Header mismatch: Mcp-Name header value '${name}' does not match body value '${String(expected)}'`,
    );
  }
  if (message.method === "tools/call") {
    const params = server.getTool(name)?.headerParams;
    if (params && params.length > 0) checkParamHeaders(req, params, message.params["arguments"]);
  }
}

/** Header values may hold visible ASCII, space and tab only. */
const SAFE_VALUE = /^[\t\x20-\x7e]*$/;

function checkParamHeaders(req: HeaderSource, params: readonly HeaderParam[], args: unknown): void {
  for (const param of params) {
    const raw = header(req, param.header);
    const value = valueAt(args, param.path);
    const label = `Mcp-Param-${param.name}`;
    if (value === undefined || value === null) {
      if (raw !== undefined)
        throw new HeaderMismatchError(
          `Header mismatch: ${label} is set but the argument is absent`,
        );
      continue;
    }
    if (raw === undefined)
      throw new HeaderMismatchError(`Header mismatch: missing required ${label} header`);
    if (!SAFE_VALUE.test(raw))
      throw new HeaderMismatchError(`Header mismatch: ${label} contains invalid characters`);
    const decoded = decodeHeaderValue(raw, label);
    const matches =
      param.type === "integer"
        ? decoded.trim() !== "" && Number(decoded) === value
        : decoded === String(value);
    if (!matches) {
      throw new HeaderMismatchError(
        `Header mismatch: ${label} header value '${decoded}' does not match body value '${String(value)}'`,
      );
    }
  }
}
