import { createServer as createNodeServer, type Server as NodeServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { AuthorizationServer } from "../../auth/server/authorization-server.js";
import type { Server } from "../../engine/server.js";
import { HttpError } from "../../errors.js";
import {
  applyListenerLimits,
  type ListenerLimits,
  listenerOptions,
} from "../../host/limits/listener.js";
import { createLegacySseEndpoint, type LegacySseEndpoint } from "../sse-2024/endpoint.js";
import { createWebSocketEndpoint, type WebSocketEndpoint } from "../websocket/endpoint.js";
import { refuseUpgrade } from "../websocket/refuse.js";
import { createHttpEndpoint, type HttpEndpoint, type HttpEndpointOptions } from "./handler.js";
import { createHostCheck, isLoopback } from "./host-check.js";
import { writeError, writeJson } from "./respond.js";

/** Options of {@link serveHttp}. */
export interface ServeHttpOptions extends Omit<HttpEndpointOptions, "bindHost"> {
  /** Port to listen on (default 3000; 0 picks a free one). */
  port?: number;
  /** Interface to bind (default 127.0.0.1). */
  host?: string;
  /** Path of the MCP endpoint (default `/mcp`). */
  path?: string;
  /**
   * Bind a non-loopback interface although no authorization (`auth`) protects the server.
   * Off by default: exposing an unauthenticated server must be a deliberate choice.
   */
  allowUnauthenticatedRemote?: boolean;
  /**
   * Berth's built-in authorization server, served on the same listener (its metadata, sign-in
   * pages and token endpoints). Without `auth`, the endpoint accepts its tokens and the
   * store's API keys.
   */
  authorizationServer?: AuthorizationServer;
  /**
   * Hard limits of the listener: how long a client may take to send headers (default 10 s)
   * and a whole request (default 30 s), keep-alive (65 s), requests per connection, header
   * size (Node's 16 KiB). See `ListenerLimits`.
   */
  limits?: ListenerLimits;
  /**
   * Also serve the 2024-11-05 HTTP+SSE transport, deprecated by the spec, for clients that
   * speak nothing newer: GET `ssePath` (default `/sse`), POST `messagesPath` (default
   * `/messages`). Off by default.
   */
  legacySse?: boolean | { ssePath?: string; messagesPath?: string };
  /** Also serve MCP over WebSocket (subprotocol `mcp`) at `path` (default: the MCP path). Off by default. */
  websocket?: boolean | { path?: string };
}

/** A running HTTP server. */
export interface RunningHttpServer {
  /** The MCP endpoint URL. */
  readonly url: URL;
  /** The underlying `node:http` server. */
  readonly http: NodeServer;
  /** The endpoint's request listener. */
  readonly endpoint: HttpEndpoint;
  /** The HTTP+SSE endpoints, when `legacySse` is on. */
  readonly legacySse: LegacySseEndpoint | undefined;
  /** The WebSocket endpoint, when `websocket` is on. */
  readonly websocket: WebSocketEndpoint | undefined;
  /** Stop accepting, end streams and sessions, and wait for the listener to close. */
  close(): Promise<void>;
}

/**
 * Serve a server over Streamable HTTP on its own `node:http` listener.
 *
 * @example
 * const running = await serveHttp(server, { port: 3000 });
 * console.error(`MCP endpoint: ${running.url}`);
 */
export async function serveHttp(
  server: Server,
  options: ServeHttpOptions = {},
): Promise<RunningHttpServer> {
  const host = options.host ?? "127.0.0.1";
  const path = options.path ?? "/mcp";
  const oauth = options.authorizationServer;
  const auth = options.auth ?? oauth?.resourceServer();
  if (!isLoopback(host) && !auth && !options.allowUnauthenticatedRemote) {
    throw new Error(
      `Refusing to bind ${host} without authorization: anyone who can reach it could call every tool. ` +
        "Bind 127.0.0.1, or pass allowUnauthenticatedRemote (--allow-unauthenticated) if that is really intended.",
    );
  }
  const endpoint = createHttpEndpoint(server, {
    ...options,
    ...(auth ? { auth } : {}),
    bindHost: host,
    path,
  });
  const hostCheck = createHostCheck(host, options);
  // The other transports are the same protected resource: one token serves them all.
  const streamOptions = {
    ...options,
    ...(auth ? { auth } : {}),
    bindHost: host,
    resourcePath: path,
    ...(options.maxBodyBytes ? { maxMessageBytes: options.maxBodyBytes } : {}),
  };
  const legacySse = options.legacySse
    ? createLegacySseEndpoint(server, {
        ...streamOptions,
        ...(options.legacySse === true ? {} : options.legacySse),
      })
    : undefined;
  const websocket = options.websocket ? createWebSocketEndpoint(server, streamOptions) : undefined;
  const websocketPath = (typeof options.websocket === "object" && options.websocket.path) || path;
  // The authorization server's pages check their own form posts, and its token endpoints
  // serve browser clients of any origin: for them only the Host is checked.
  const oauthHostCheck = createHostCheck(host, { ...options, allowedOrigins: false });
  const metadataPaths = new Set([
    "/.well-known/oauth-protected-resource",
    `/.well-known/oauth-protected-resource${path}`,
  ]);
  const http = createNodeServer(listenerOptions(options.limits), (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const pathname = query < 0 ? url : url.slice(0, query);
    if (legacySse?.handle(req, res)) return;
    if (pathname === path || pathname === `${path}/`) {
      endpoint(req, res);
      return;
    }
    if (oauth?.handles(pathname)) {
      try {
        oauthHostCheck(req);
      } catch (error) {
        req.resume();
        writeError(res, error);
        return;
      }
      void oauth.handle(req, res, pathname);
      return;
    }
    req.resume();
    if (auth && metadataPaths.has(pathname) && (req.method === "GET" || req.method === "HEAD")) {
      try {
        hostCheck(req);
      } catch (error) {
        writeError(res, error);
        return;
      }
      const resource = options.publicUrl ?? `http://${req.headers.host ?? host}${path}`;
      // Public metadata: browsers on other origins may read it.
      writeJson(res, 200, auth.metadata(resource), { "access-control-allow-origin": "*" });
      return;
    }
    writeJson(res, 404, {
      error: "not_found",
      message: `No MCP endpoint at ${pathname}; use ${path}`,
    });
  });
  applyListenerLimits(http, options.limits);
  if (websocket) {
    http.on("upgrade", (req, socket, head) => {
      const target = req.url ?? "/";
      const at = target.indexOf("?");
      const pathname = at < 0 ? target : target.slice(0, at);
      if (pathname === websocketPath) websocket.handleUpgrade(req, socket, head);
      else {
        const message = `No WebSocket endpoint at ${pathname}; use ${websocketPath}`;
        refuseUpgrade(socket, new HttpError("ERR_NOT_FOUND", 404, -32600, message));
      }
    });
  }
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port ?? 3000, host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = new URL(`http://${shown}:${address.port}${path}`);
  if (oauth) {
    const publicUrl = options.publicUrl ? new URL(options.publicUrl) : url;
    oauth.useIssuer(publicUrl.origin);
    oauth.addResource(publicUrl.href);
  }
  return {
    url,
    http,
    endpoint,
    legacySse,
    websocket,
    close: () =>
      new Promise<void>((resolve) => {
        endpoint.close();
        legacySse?.close();
        websocket?.close();
        oauth?.close();
        http.close(() => resolve());
        http.closeIdleConnections();
        setTimeout(() => http.closeAllConnections(), 2_000).unref();
      }),
  };
}
