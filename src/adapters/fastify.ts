import type { FastifyPluginCallback, FastifyReply, FastifyRequest } from "fastify";
import type { Server } from "../engine/server.js";
import { createHttpEndpoint, type HttpEndpointOptions } from "../transport/http/handler.js";

/** A Fastify route handler serving one MCP endpoint, with a way to stop it. */
export interface McpFastifyRoute {
  (request: FastifyRequest, reply: FastifyReply): void;
  /** Open 2025-era sessions. */
  readonly sessionCount: number;
  /** End listen streams gracefully and close every session. */
  close(): void;
}

/** Options of the {@link mcpFastify} plugin. */
export interface McpFastifyOptions extends HttpEndpointOptions {
  /** The server to serve. */
  server: Server;
  /** Route of the endpoint inside the plugin's prefix (default `/mcp`). */
  path?: string;
}

/**
 * A Fastify route handler for the full Streamable HTTP endpoint (both protocol eras). It
 * hijacks the reply and lets Berth answer on the raw request and response. Prefer the
 * {@link mcpFastify} plugin: in a route of your own, Fastify's JSON parser reads the body
 * first (Berth then takes `request.body`), so bad JSON and oversized bodies get Fastify's
 * errors instead of JSON-RPC ones.
 *
 * @example
 * fastify.all("/mcp", mcpFastifyRoute(server));
 */
export function mcpFastifyRoute(
  server: Server,
  options: HttpEndpointOptions = {},
): McpFastifyRoute {
  const endpoint = createHttpEndpoint(server, options);
  const route = ((request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const raw = request.raw as FastifyRequest["raw"] & { body?: unknown };
    if (raw.readableEnded && raw.body === undefined) raw.body = request.body;
    endpoint(raw, reply.raw);
  }) as McpFastifyRoute;
  Object.defineProperty(route, "sessionCount", { get: () => endpoint.sessionCount });
  route.close = () => endpoint.close();
  return route;
}

/**
 * A Fastify plugin serving a server at `path` (default `/mcp`), both protocol eras. Inside the
 * plugin's own context every content type is left unread, so Berth reads, limits and checks
 * the body itself (415, 413 and parse errors as JSON-RPC errors); the app's other routes keep
 * their parsers. Sessions and listen streams end when Fastify closes.
 *
 * @example
 * import Fastify from "fastify";
 * import { mcpFastify } from "berth/fastify";
 *
 * const app = Fastify();
 * await app.register(mcpFastify, { server });
 * await app.listen({ port: 3000, host: "127.0.0.1" });
 */
export const mcpFastify: FastifyPluginCallback<McpFastifyOptions> = (fastify, options, done) => {
  const { server, ...endpointOptions } = options;
  const path = options.path ?? "/mcp";
  const route = mcpFastifyRoute(server, { ...endpointOptions, path });
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser("*", (_request, _payload, parsed) => parsed(null));
  fastify.all(path, route);
  fastify.addHook("onClose", (_instance, closed) => {
    route.close();
    closed();
  });
  done();
};
