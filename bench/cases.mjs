/**
 * What is measured. HTTP cases: each starts its server in its own process, opens whatever
 * the era needs, and names the request every connection sends. stdio cases: how many
 * requests are kept in flight against the Berth stdio server.
 */
import { legacyToolCall, modernToolCall, openLegacySession } from "./lib/mcp-requests.mjs";
import { accessToken } from "./lib/oauth.mjs";

/**
 * @typedef {object} HttpCase
 * @property {string} id Stable key (ratios, `BENCH_ONLY`).
 * @property {string} name Shown in the table and the JSON.
 * @property {string} script Server under `bench/servers/`.
 * @property {Record<string, string>} [env] Added to the server process's environment.
 * @property {boolean} [optional] Run only when `BENCH_ONLY` names it.
 * @property {(url: string, credentials?: Record<string, string>) => Promise<(id: string | number) => { headers: Record<string, string>, body: string }>} prepare
 *   Set up what the era needs (a session, a token) and return the request for a given
 *   JSON-RPC id. `credentials` are what the server created at start (bench/servers/child.mjs).
 */

const modern = async () => modernToolCall;

/** The 2026-07-28 request with an `Authorization` header. */
const authorized = (authorization) => (id) => {
  const request = modernToolCall(id);
  return { ...request, headers: { ...request.headers, authorization } };
};

/** @type {HttpCase[]} */
export const HTTP_CASES = [
  { id: "raw", name: "raw node:http (ceiling)", script: "raw.mjs", prepare: modern },
  { id: "berth-2026", name: "Berth (2026-07-28)", script: "berth-http.mjs", prepare: modern },
  {
    id: "berth-2026-jwt",
    name: "Berth (2026-07-28) + JWT bearer",
    script: "berth-http-auth.mjs",
    prepare: async (url, credentials) =>
      authorized(`Bearer ${await accessToken(url, credentials)}`),
  },
  {
    id: "berth-2026-key",
    name: "Berth (2026-07-28) + API key",
    script: "berth-http-auth.mjs",
    prepare: async (_url, credentials) => authorized(`Key ${credentials.apiKey}`),
  },
  {
    id: "berth-2026-ops",
    name: "Berth (2026-07-28) + metrics, logs, audit, rate limits",
    script: "berth-http-ops.mjs",
    prepare: modern,
  },
  // The operations plugins one at a time (BENCH_OPS_PLUGINS), to price each: optional.
  ...["host", "metrics", "logging", "rate-limit"].map((plugin) => ({
    id: `berth-2026-ops-${plugin}`,
    name: `Berth (2026-07-28) + ${plugin === "host" ? "host, no plugins" : `${plugin} only`}`,
    script: "berth-http-ops.mjs",
    env: { BENCH_OPS_PLUGINS: plugin === "host" ? "none" : plugin },
    optional: true,
    prepare: modern,
  })),
  {
    id: "berth-legacy",
    name: "Berth (2025-11-25, session)",
    script: "berth-http.mjs",
    prepare: async (url) => {
      const sessionId = await openLegacySession(url);
      return (id) => legacyToolCall(id, sessionId);
    },
  },
  {
    id: "sdk-v2",
    name: "SDK v2 createMcpHandler (2026-07-28)",
    script: "sdk-v2.mjs",
    prepare: modern,
  },
  { id: "tmcp", name: "tmcp (2026-07-28)", script: "tmcp.mjs", prepare: modern },
];

/**
 * @typedef {object} StdioCase
 * @property {string} id
 * @property {string} name
 * @property {number} inFlight Requests outstanding at once (1 = strictly sequential).
 */

/** @type {StdioCase[]} */
export const STDIO_CASES = [
  { id: "berth-stdio", name: "Berth stdio (sequential)", inFlight: 1 },
  { id: "berth-stdio-pipelined", name: "Berth stdio (pipelined, 50 in flight)", inFlight: 50 },
];
