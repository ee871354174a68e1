import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResourceServer } from "../auth/resource-server.js";
import type { AuthorizationServer } from "../auth/server/authorization-server.js";
import { UnavailableError } from "../errors.js";
import type { HttpEndpoint } from "../transport/http/handler.js";
import type { HostCheck } from "../transport/http/host-check.js";
import { writeError, writeJson } from "../transport/http/respond.js";
import type { LegacySseEndpoint } from "../transport/sse-2024/endpoint.js";
import type { Cors } from "./cors.js";
import type { HealthRoutes } from "./health.js";
import { type InFlight, opensStream } from "./lifecycle.js";
import type { Mount } from "./mounts.js";
import type { MountInfo, RouteHandler } from "./plugin.js";
import { type RequestEnd, whenClosed } from "./plugins.js";

/** What a request path leads to on a mount. */
export type Target =
  | { kind: "mcp"; mount: Mount; endpoint: HttpEndpoint }
  | { kind: "sse-2024"; mount: Mount; endpoint: LegacySseEndpoint };

/** A protected-resource metadata document of one mount path. */
export interface MetadataTarget {
  mount: Mount;
  /** The mount path (or alias) the document describes. */
  path: string;
  auth: ResourceServer;
}

/** Everything the listener routes to, built once at start. */
export interface RouterParts {
  /** Mount targets by exact path (each path also with a trailing slash). */
  targets: ReadonlyMap<string, Target>;
  /** Protected-resource metadata by `/.well-known/oauth-protected-resource<path>`. */
  metadata: ReadonlyMap<string, MetadataTarget>;
  mounts: readonly Mount[];
  oauth: AuthorizationServer | undefined;
  health: HealthRoutes;
  /** Plugin routes, answered even while draining (metrics). */
  routes: ReadonlyMap<string, RouteHandler>;
  cors: Cors | undefined;
  hostCheck: HostCheck;
  /** The authorization server's check: Host only, its endpoints serve any origin. */
  oauthHostCheck: HostCheck;
  inFlight: InFlight;
  /** The plugins' request hooks; what they return is called once the response is done. */
  request:
    | ((
        req: IncomingMessage,
        res: ServerResponse,
        mount: MountInfo | undefined,
      ) => RequestEnd | undefined)
    | undefined;
  enter: ((req: IncomingMessage, run: () => void) => void) | undefined;
  /** The origin clients use, from the config or the request (Host, forwarded scheme). */
  originOf(req: IncomingMessage): string;
  /** The origin resources are named with, when fixed (publicUrl, TLS). */
  publicOrigin: string | undefined;
}

/** Seconds a client refused while draining should wait before retrying. */
const DRAIN_RETRY_SECONDS = 1;

/**
 * The host's request listener: plugins' request and enter hooks around the routing of
 * mounts, the authorization server, metadata, health, plugin routes and `GET /`.
 */
export function createRouter(
  parts: RouterParts,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { targets, request, enter } = parts;
  const route = (
    req: IncomingMessage,
    res: ServerResponse,
    pathname: string,
    target: Target | undefined,
    end: RequestEnd | undefined,
  ) => {
    // Health, plugin routes (metrics) and refusals while draining: answered at once, not
    // counted in flight (draining does not wait for them).
    const untracked =
      pathname === "/healthz"
        ? parts.health.healthz
        : pathname === "/readyz"
          ? parts.health.readyz
          : parts.routes.get(pathname);
    if (untracked || parts.inFlight.draining) {
      if (end) whenClosed(res, end);
      if (untracked) return untracked(req, res);
      // Browser clients get the CORS headers too, or they could not read the Retry-After.
      if (target && parts.cors?.(req, res)) return;
      req.resume();
      const refusal = new UnavailableError(
        "The server is shutting down; retry in a moment",
        DRAIN_RETRY_SECONDS,
      );
      return writeError(res, refusal, null, { connection: "close" });
    }
    parts.inFlight.track(res, target !== undefined && opensStream(req), end);
    if (target) {
      if (parts.cors?.(req, res)) return;
      if (target.kind === "mcp") target.endpoint(req, res);
      else target.endpoint.handle(req, res);
      return;
    }
    if (parts.oauth?.handles(pathname)) {
      try {
        parts.oauthHostCheck(req);
      } catch (error) {
        req.resume();
        return writeError(res, error);
      }
      void parts.oauth.handle(req, res, pathname);
      return;
    }
    req.resume();
    const metadata = parts.metadata.get(pathname);
    if (metadata) return serveMetadata(parts, metadata, req, res);
    if (pathname === "/" && (req.method === "GET" || req.method === "HEAD")) {
      try {
        parts.hostCheck(req);
      } catch (error) {
        return writeError(res, error);
      }
      return writeJson(res, 200, listing(parts, req));
    }
    writeJson(res, 404, {
      error: "not_found",
      message: `Nothing at ${pathname}; GET / lists the MCP servers here`,
    });
  };
  return (req, res) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const pathname = query < 0 ? url : url.slice(0, query);
    const target = targets.get(pathname);
    const end = request?.(req, res, target?.mount.info);
    if (enter) enter(req, () => route(req, res, pathname, target, end));
    else route(req, res, pathname, target, end);
  };
}

/** RFC 9728 metadata of one mount path; public, so browsers on any origin may read it. */
function serveMetadata(
  parts: RouterParts,
  metadata: MetadataTarget,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const cors = { "access-control-allow-origin": "*" };
  if (req.method === "OPTIONS") {
    res.writeHead(204, {
      ...cors,
      "access-control-allow-methods": "GET, OPTIONS",
      "access-control-allow-headers": "MCP-Protocol-Version, Authorization",
      "access-control-max-age": "86400",
    });
    res.end();
    return;
  }
  if (req.method !== "GET" && req.method !== "HEAD") {
    writeJson(res, 405, { error: "method_not_allowed", message: "Use GET" }, { allow: "GET" });
    return;
  }
  try {
    parts.hostCheck({ headers: { ...req.headers, origin: undefined } });
  } catch (error) {
    writeError(res, error);
    return;
  }
  const origin = parts.publicOrigin ?? `http://${req.headers.host ?? "localhost"}`;
  writeJson(res, 200, metadata.auth.metadata(`${origin}${metadata.path}`), cors);
}

/** `GET /`: the mounted servers, for people and discovery tools. */
function listing(parts: RouterParts, req: IncomingMessage) {
  const origin = parts.originOf(req);
  return {
    servers: parts.mounts.map((mount) => ({
      name: mount.name,
      ...(mount.server.info.title ? { title: mount.server.info.title } : {}),
      version: mount.server.info.version,
      ...(mount.server.info.description ? { description: mount.server.info.description } : {}),
      path: mount.path,
      url: `${origin}${mount.path}`,
      aliases: mount.aliases,
      auth: mount.auth,
      scopes: mount.scopes,
      transports: mount.transports,
    })),
  };
}
