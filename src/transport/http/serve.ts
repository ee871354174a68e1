import { createServer as createNodeServer, type Server as NodeServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { AuthorizationServer } from "../../auth/server/authorization-server.js";
import type { Server } from "../../engine/server.js";
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
}

/** A running HTTP server. */
export interface RunningHttpServer {
  /** The MCP endpoint URL. */
  readonly url: URL;
  /** The underlying `node:http` server. */
  readonly http: NodeServer;
  /** The endpoint's request listener. */
  readonly endpoint: HttpEndpoint;
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
  // The authorization server's pages check their own form posts, and its token endpoints
  // serve browser clients of any origin: for them only the Host is checked.
  const oauthHostCheck = createHostCheck(host, { ...options, allowedOrigins: false });
  const metadataPaths = new Set([
    "/.well-known/oauth-protected-resource",
    `/.well-known/oauth-protected-resource${path}`,
  ]);
  const http = createNodeServer((req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const pathname = query < 0 ? url : url.slice(0, query);
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
  http.keepAliveTimeout = 65_000;
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
    close: () =>
      new Promise<void>((resolve) => {
        endpoint.close();
        oauth?.close();
        http.close(() => resolve());
        http.closeIdleConnections();
        setTimeout(() => http.closeAllConnections(), 2_000).unref();
      }),
  };
}
