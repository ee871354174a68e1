/**
 * What the adapter suites share: the requests an MCP client sends, a check that the official
 * client completes a session through a framework, and a bounded way to listen on port 0.
 */
import type { Server as NodeServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { CLIENTS, type ClientConfig } from "../interop/clients.js";
import { modernMeta } from "../support/http.js";

/** The v2 client on 2026-07-28, the v2 client on 2025-11-25, and the v1 client. */
export const [MODERN_CLIENT, LEGACY_V2_CLIENT, V1_CLIENT] = CLIENTS as [
  ClientConfig,
  ClientConfig,
  ClientConfig,
];

let nextId = 1;

/** A 2026-07-28 request with the headers it must carry, as `fetch` init. */
export function modernInit(
  method: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): RequestInit & { headers: Record<string, string> } {
  const named = method === "resources/read" ? params["uri"] : params["name"];
  return {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": method,
      ...(typeof named === "string" ? { "mcp-name": named } : {}),
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: nextId++,
      method,
      params: { ...params, _meta: { ...modernMeta(), ...(params["_meta"] as object) } },
    }),
  };
}

/** A raw POST with JSON headers (for bodies that are not valid requests). */
export function rawInit(body: string | Uint8Array, headers: Record<string, string> = {}) {
  return {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      ...headers,
    },
    body,
  };
}

/** A body of `bytes` bytes that is valid JSON, to trip size limits. */
export function oversized(bytes: number): string {
  return JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", pad: "x".repeat(bytes) });
}

/**
 * Connect an official client to `url`, then list and call the fixture's `echo` tool: the
 * client negotiates `expectedVersion` and gets what the tool returned.
 */
export async function expectSession(config: ClientConfig, url: URL): Promise<void> {
  const client = await config.connect({ http: url });
  try {
    expect(client.protocolVersion).toBe(config.expectedVersion);
    const tools = await client.listTools();
    expect(tools.map((tool) => tool.name)).toContain("echo");
    const result = await client.callTool("echo", { text: "through the framework" });
    expect(result.content).toEqual([{ type: "text", text: "through the framework" }]);
    expect(client.errors).toEqual([]);
  } finally {
    await client.close();
  }
}

/** Listen on a free loopback port; returns the URL of `path` and a close function. */
export async function listen(
  http: NodeServer,
  path = "/mcp",
): Promise<{ url: URL; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}${path}`),
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}
