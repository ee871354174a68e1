/**
 * The tools/call request in each protocol era, as headers and body, plus the checks that
 * a response really is the expected tools/call result.
 */
import { ARGUMENTS, EXPECTED_TEXT, TOOL_NAME } from "../servers/tool.mjs";

/** The 2026-07-28 protocol revision. */
export const MODERN_VERSION = "2026-07-28";
/** The legacy revision the session case negotiates. */
export const LEGACY_VERSION = "2025-11-25";

/** How long a single set-up or check request may take. */
const REQUEST_TIMEOUT_MS = 10_000;

const COMMON_HEADERS = {
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
};

/** Placeholder autocannon replaces with a fresh id on every request (`idReplacement`). */
export const ID_PLACEHOLDER = "[<id>]";

/**
 * A 2026-07-28 tools/call: routing headers plus the `_meta` envelope every request carries.
 *
 * @param {string | number} id
 */
export function modernToolCall(id) {
  return {
    headers: {
      ...COMMON_HEADERS,
      "mcp-protocol-version": MODERN_VERSION,
      "mcp-method": "tools/call",
      "mcp-name": TOOL_NAME,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: {
        name: TOOL_NAME,
        arguments: ARGUMENTS,
        _meta: {
          "io.modelcontextprotocol/protocolVersion": MODERN_VERSION,
          "io.modelcontextprotocol/clientInfo": { name: "berth-bench", version: "1.0.0" },
          "io.modelcontextprotocol/clientCapabilities": {},
        },
      },
    }),
  };
}

/**
 * A 2025-11-25 tools/call inside an open session.
 *
 * @param {string | number} id
 * @param {string} sessionId
 */
export function legacyToolCall(id, sessionId) {
  return {
    headers: {
      ...COMMON_HEADERS,
      "mcp-protocol-version": LEGACY_VERSION,
      "mcp-session-id": sessionId,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name: TOOL_NAME, arguments: ARGUMENTS },
    }),
  };
}

/**
 * Open a 2025-era session the way a client does: initialize, then notifications/initialized.
 *
 * @param {string} url
 * @returns {Promise<string>} The `Mcp-Session-Id`.
 */
export async function openLegacySession(url) {
  const init = await fetch(url, {
    method: "POST",
    headers: COMMON_HEADERS,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: LEGACY_VERSION,
        capabilities: {},
        clientInfo: { name: "berth-bench", version: "1.0.0" },
      },
    }),
  });
  const initText = await init.text();
  const sessionId = init.headers.get("mcp-session-id");
  if (!init.ok || !sessionId) {
    throw new Error(`initialize failed (HTTP ${init.status}, no session id?): ${initText}`);
  }
  const initialized = await fetch(url, {
    method: "POST",
    headers: {
      ...COMMON_HEADERS,
      "mcp-protocol-version": LEGACY_VERSION,
      "mcp-session-id": sessionId,
    },
    body: JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  await initialized.text();
  if (!initialized.ok)
    throw new Error(`notifications/initialized failed (HTTP ${initialized.status})`);
  return sessionId;
}

/**
 * Send one request and throw unless it is answered with the correct tools/call result.
 * Accepts a plain JSON answer or an SSE stream whose last message is the answer.
 *
 * @param {string} url
 * @param {{ headers: Record<string, string>, body: string }} request
 */
export async function verifyToolCall(url, request) {
  const response = await fetch(url, {
    method: "POST",
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  if (response.status !== 200)
    throw new Error(`expected HTTP 200, got ${response.status}: ${text}`);
  const type = response.headers.get("content-type") ?? "";
  checkToolResult(
    type.startsWith("text/event-stream") ? lastSseMessage(text) : text,
    JSON.parse(request.body).id,
  );
}

/**
 * Throw unless `text` is a JSON-RPC response to `id` carrying the expected `add` result.
 *
 * @param {string} text
 * @param {string | number} id
 */
export function checkToolResult(text, id) {
  const message = JSON.parse(text);
  const block = message.result?.content?.[0];
  if (
    message.id !== id ||
    message.error !== undefined ||
    message.result.isError === true ||
    block?.type !== "text" ||
    block.text !== EXPECTED_TEXT
  ) {
    throw new Error(`not the expected tools/call result: ${text}`);
  }
}

function lastSseMessage(stream) {
  const data = stream
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).trim());
  if (data.length === 0) throw new Error(`empty SSE stream: ${stream}`);
  return data.at(-1);
}
