import type { Context } from "hono";
import type { Server } from "../engine/server.js";
import { createFetchHandler, type FetchHandlerOptions } from "./fetch.js";

/** A Hono handler serving one MCP endpoint, with a way to stop it. */
export interface McpHonoHandler {
  (c: Context): Promise<Response>;
  /** End open `subscriptions/listen` streams gracefully. */
  close(): void;
}

/**
 * Serve a server from a Hono app on any runtime Hono runs on. It is the web-standard
 * {@link createFetchHandler}: the stateless 2026-07-28 protocol only; 2025-era clients get a
 * 400 that says so. With `auth`, mount it on the protected-resource metadata path too.
 *
 * @example
 * import { Hono } from "hono";
 * import { mcpHono } from "berth/hono";
 *
 * const app = new Hono();
 * app.all("/mcp", mcpHono(server));
 * export default app;
 */
export function mcpHono(server: Server, options: FetchHandlerOptions = {}): McpHonoHandler {
  const fetchHandler = createFetchHandler(server, options);
  const handler = ((c: Context) => fetchHandler(c.req.raw)) as McpHonoHandler;
  handler.close = () => fetchHandler.close();
  return handler;
}
