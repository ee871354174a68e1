import { createServer as createNodeServer, type Server as NodeServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createHttpEndpoint, type HttpEndpointOptions, type Server } from "berth";
import type { HostPlugin } from "../../../src/host/plugin.js";
import { modernMeta } from "../../support/http.js";

/** A server mounted behind one plugin, the way a host mounts it, on a loopback port. */
export interface Limited {
  url: string;
  /** POST a 2026-07-28 tools/call; returns the status, headers and JSON-RPC body. */
  call(
    tool: string,
    args?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; headers: Headers; body: any }>;
  close(): Promise<void>;
}

let nextId = 1;

/**
 * Serve `server` on its own node:http listener with the plugin's admission, observer and
 * async context for mount `name`, as a host would.
 */
export async function startLimited(
  server: Server,
  plugin: HostPlugin,
  options: HttpEndpointOptions & { mount?: string } = {},
): Promise<Limited> {
  const mount = {
    name: options.mount ?? "main",
    path: "/mcp",
    serverName: server.info.name,
    sessionCount: () => 0,
  };
  const observer = plugin.observer?.(mount);
  const admit = plugin.admit?.(mount);
  const endpoint = createHttpEndpoint(server, {
    keepAliveMs: 0,
    ...options,
    ...(observer ? { observer } : {}),
    ...(admit ? { admit } : {}),
  });
  const http: NodeServer = createNodeServer((req, res) => {
    if (plugin.enter) plugin.enter(req, () => endpoint(req, res));
    else endpoint(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  return {
    url,
    async call(tool, args = {}, headers = {}) {
      const response = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/call",
          "mcp-name": tool,
          ...headers,
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: nextId++,
          method: "tools/call",
          params: { name: tool, arguments: args, _meta: modernMeta() },
        }),
      });
      return { status: response.status, headers: response.headers, body: await response.json() };
    },
    close: async () => {
      endpoint.close();
      await plugin.close?.();
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}

/** Run `task` for every index below `count`, at most `width` at a time. */
export async function pool<T>(
  count: number,
  width: number,
  task: (index: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return results;
}
