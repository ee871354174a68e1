import type { IncomingMessage, ServerResponse } from "node:http";
import type { ResourceServer } from "../../auth/resource-server.js";
import { ANONYMOUS, type Principal } from "../../engine/context.js";
import type { Server } from "../../engine/server.js";
import type { JsonObject } from "../../engine/types.js";
import { InvalidRequestError } from "../../errors.js";
import { LegacyCodec } from "../../protocol/2025-11-25/codec.js";
import { ModernCodec, type ModernCodecOptions } from "../../protocol/2026-07-28/codec.js";
import { type ClientMessage, idOf, parseMessage } from "../../protocol/jsonrpc.js";
import { isModernVersion, META } from "../../protocol/versions.js";
import { assertJsonContentType, parseJson, readBody } from "./body.js";
import { type EventStore, InMemoryEventStore } from "./event-store.js";
import { createHostCheck, type HostCheckOptions } from "./host-check.js";
import {
  deleteLegacySession,
  type LegacyEndpoint,
  openLegacyStream,
  type Refusal,
  serveLegacy,
} from "./legacy.js";
import { type ModernEndpoint, refusalOf, serveModern } from "./modern.js";
import type { Reply } from "./reply.js";
import { writeError, writeMethodNotAllowed } from "./respond.js";
import { SessionTable, type SessionTableOptions } from "./sessions.js";

/** Options of the Streamable HTTP endpoint. */
export interface HttpEndpointOptions
  extends HostCheckOptions,
    ModernCodecOptions,
    SessionTableOptions {
  /** Who may call: authenticates every request before any work. Unset: everyone, anonymously. */
  auth?: ResourceServer;
  /** The endpoint's public URL (the OAuth resource); default: from the Host header and `path`. */
  publicUrl?: string;
  /** The endpoint's path, for the default public URL (default `/mcp`). */
  path?: string;
  /** Interface the listener is bound to; decides the Host/Origin defaults (default 127.0.0.1). */
  bindHost?: string;
  /** Largest accepted request body, in bytes (default 4 MiB). */
  maxBodyBytes?: number;
  /** Legacy sessions with `Mcp-Session-Id` (default true); `false` serves legacy clients statelessly. */
  sessions?: boolean;
  /** Where legacy SSE events are kept for `Last-Event-ID` resumption (default in memory). */
  eventStore?: EventStore;
  /** How long a 2025-era client may take to answer elicitation, sampling or roots (default 10 minutes). */
  clientRequestTimeoutMs?: number;
  /** Interval of SSE keep-alive comments, in milliseconds (default 15 s; 0 turns them off). */
  keepAliveMs?: number;
  /**
   * Admission, once the caller is known and before the body is read: throw (a
   * `RateLimitedError`, an `UnavailableError`) to refuse the request with that error's
   * status. Return a function to call when the request's response has ended, or nothing.
   * A synchronous answer costs no extra turn of the event loop.
   */
  admit?: (
    req: IncomingMessage,
    principal: Principal,
  ) => (() => void) | undefined | Promise<(() => void) | undefined>;
}

/** A `node:http` request listener serving one MCP endpoint, with a way to stop it. */
export interface HttpEndpoint {
  (req: IncomingMessage, res: ServerResponse): void;
  /** Open legacy sessions. */
  readonly sessionCount: number;
  /** End listen streams gracefully and close every session. */
  close(): void;
}

function isModern(req: IncomingMessage, incoming: ClientMessage): boolean {
  const header = req.headers["mcp-protocol-version"];
  if (typeof header === "string" && isModernVersion(header.trim())) return true;
  if (incoming.kind === "response") return false;
  const meta = incoming.message.params["_meta"] as JsonObject | undefined;
  return (
    meta !== undefined && typeof meta === "object" && meta !== null && META.protocolVersion in meta
  );
}

/**
 * Build the Streamable HTTP endpoint for a server: both protocol eras on one URL, chosen
 * per request. Everything is built here, once; requests only look things up.
 *
 * @example
 * import { createServer as createHttpServer } from "node:http";
 * const endpoint = createHttpEndpoint(server);
 * createHttpServer((req, res) => (req.url === "/mcp" ? endpoint(req, res) : res.end())).listen(3000, "127.0.0.1");
 */
export function createHttpEndpoint(
  server: Server,
  options: HttpEndpointOptions = {},
): HttpEndpoint {
  const hostCheck = createHostCheck(options.bindHost ?? "127.0.0.1", options);
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const auth = options.auth;
  const admit = options.admit;
  const refusal: Refusal = (response, req) =>
    refusalOf(response.error, auth ? (error) => auth.challenge(error, resourceOf(req)) : undefined);
  /** The canonical URL of this endpoint, as the client reached it. */
  const resourceOf = (req: IncomingMessage): string =>
    options.publicUrl ?? `http://${req.headers.host ?? "localhost"}${options.path ?? "/mcp"}`;

  const modern: ModernEndpoint = {
    server,
    codec: new ModernCodec(server, options),
    keepAliveMs,
    listeners: new Set(),
    refusal,
  };
  const legacy: LegacyEndpoint = {
    codec: new LegacyCodec(server, options),
    sessions: options.sessions === false ? undefined : new SessionTable(options),
    events: options.eventStore ?? new InMemoryEventStore(),
    keepAliveMs,
    running: new Map<string, Reply>(),
    streams: { count: 0 },
    refusal,
  };

  async function post(
    req: IncomingMessage,
    res: ServerResponse,
    principal: Principal,
  ): Promise<void> {
    let raw: unknown;
    try {
      assertJsonContentType(req);
      raw = parseJson(await readBody(req, maxBody));
      if (Array.isArray(raw))
        throw new InvalidRequestError("Invalid request: JSON-RPC batches are not supported");
      const incoming = parseMessage(raw);
      if (isModern(req, incoming)) await serveModern(modern, req, res, incoming, principal);
      else await serveLegacy(legacy, req, res, incoming, principal);
    } catch (error) {
      writeError(res, error, idOf(raw), challengeHeaders(error, req));
    }
  }

  /** `WWW-Authenticate` for authorization failures, pointing at this resource's metadata. */
  const challengeHeaders = (error: unknown, req: IncomingMessage) =>
    auth?.challenge(error, resourceOf(req));

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      hostCheck(req);
    } catch (error) {
      req.resume();
      writeError(res, error);
      return;
    }
    // Nothing is read, parsed or opened before the caller is known.
    let principal: Principal = ANONYMOUS;
    if (auth) {
      try {
        const known = auth.authenticate(req.headers.authorization, resourceOf(req));
        // A credential seen before is answered at once: no await, no extra turn of the loop.
        principal = known instanceof Promise ? await known : known;
      } catch (error) {
        req.resume();
        writeError(res, error, null, challengeHeaders(error, req));
        return;
      }
    }
    if (admit) {
      let admitted: ReturnType<NonNullable<typeof admit>>;
      try {
        admitted = admit(req, principal);
        if (admitted instanceof Promise) admitted = await admitted;
      } catch (error) {
        req.resume();
        writeError(res, error);
        return;
      }
      // A response emits "close" once, so `on` will do (and costs less than `once`).
      if (admitted) res.on("close", admitted);
    }
    const modernHeader = req.headers["mcp-protocol-version"];
    switch (req.method) {
      case "POST":
        return post(req, res, principal);
      case "GET":
        if (typeof modernHeader === "string" && isModernVersion(modernHeader))
          return writeMethodNotAllowed(res, "POST");
        return openLegacyStream(legacy, req, res, principal).catch((error) =>
          writeError(res, error),
        );
      case "DELETE":
        if (typeof modernHeader === "string" && isModernVersion(modernHeader))
          return writeMethodNotAllowed(res, "POST");
        try {
          return deleteLegacySession(legacy, req, res, principal);
        } catch (error) {
          return writeError(res, error);
        }
      default:
        req.resume();
        return writeMethodNotAllowed(res, "POST, GET, DELETE");
    }
  }

  const endpoint = ((req: IncomingMessage, res: ServerResponse) => {
    route(req, res).catch((error) => writeError(res, error));
  }) as HttpEndpoint;
  Object.defineProperty(endpoint, "sessionCount", { get: () => legacy.sessions?.size ?? 0 });
  endpoint.close = () => {
    for (const listener of modern.listeners) listener.end();
    legacy.sessions?.close();
  };
  return endpoint;
}
