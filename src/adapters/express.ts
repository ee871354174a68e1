import type { RequestHandler } from "express";
import type { Server } from "../engine/server.js";
import { createHttpEndpoint, type HttpEndpointOptions } from "../transport/http/handler.js";

/** An Express handler serving one MCP endpoint, with a way to stop it. */
export interface McpExpressHandler extends RequestHandler {
  /** Open 2025-era sessions. */
  readonly sessionCount: number;
  /** End listen streams gracefully and close every session (call it when the app stops). */
  close(): void;
}

/**
 * Serve a server from an Express app: the full Streamable HTTP endpoint, both protocol eras,
 * sessions included. Mount it with `app.all` or `app.use`; it works with or without
 * `express.json()` before it (a body Express parsed is taken from `req.body`). Malformed
 * JSON and oversized bodies are only answered as JSON-RPC errors when Berth reads the body
 * itself: mount `express.json()` on the other routes, not on this one.
 *
 * The options are those of {@link createHttpEndpoint}. Set `bindHost` to the interface the
 * app listens on (the Host/Origin defaults follow it), and `path` or `publicUrl` when the
 * endpoint is not at `/mcp`.
 *
 * @example
 * import express from "express";
 * import { mcpExpress } from "berth/express";
 *
 * const app = express();
 * app.all("/mcp", mcpExpress(server));
 * app.listen(3000, "127.0.0.1");
 */
export function mcpExpress(server: Server, options: HttpEndpointOptions = {}): McpExpressHandler {
  const endpoint = createHttpEndpoint(server, options);
  const handler: RequestHandler = (req, res) => endpoint(req, res);
  Object.defineProperty(handler, "sessionCount", { get: () => endpoint.sessionCount });
  return Object.assign(handler, { close: () => endpoint.close() }) as McpExpressHandler;
}
