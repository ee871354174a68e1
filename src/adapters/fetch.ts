import type { IncomingHttpHeaders } from "node:http";
import { bearerChallenge } from "../auth/challenge.js";
import { protectedResourceMetadataPath, type ResourceServer } from "../auth/resource-server.js";
import { Cancellation } from "../engine/cancellation.js";
import { ANONYMOUS, type Principal } from "../engine/context.js";
import type { Server } from "../engine/server.js";
import type { JsonObject } from "../engine/types.js";
import {
  HttpError,
  InsufficientScopeError,
  InvalidRequestError,
  JsonRpcCode,
  UnauthorizedError,
} from "../errors.js";
import { ModernCodec, type ModernCodecOptions } from "../protocol/2026-07-28/codec.js";
import { listen, type Subscription } from "../protocol/2026-07-28/listen.js";
import {
  type ClientMessage,
  idOf,
  type JsonRpcRequest,
  type JsonRpcResponse,
  parseMessage,
} from "../protocol/jsonrpc.js";
import { isModernVersion, META, MODERN_VERSION } from "../protocol/versions.js";
import { assertJsonContentType, parseJson } from "../transport/http/body.js";
import {
  createHostCheck,
  type HostCheckOptions,
  isLoopback,
} from "../transport/http/host-check.js";
import { STATUS_OF } from "../transport/http/modern.js";
import { checkModernHeaders } from "../transport/http/modern-headers.js";
import { readRequestBody } from "./web/body.js";
import { errorJsonResponse, jsonResponse, methodNotAllowed } from "./web/respond.js";
import { SseStream } from "./web/sse-stream.js";

/** Options of {@link createFetchHandler}. */
export interface FetchHandlerOptions extends HostCheckOptions, ModernCodecOptions {
  /** Who may call: authenticates every request before its body is read. Unset: everyone. */
  auth?: ResourceServer;
  /** The endpoint's public URL (the OAuth resource); default: the request's origin and path. */
  publicUrl?: string;
  /** Largest accepted request body, in bytes (default 4 MiB). */
  maxBodyBytes?: number;
  /** Interval of keep-alive comments on `subscriptions/listen` streams (default 15 s; 0: none). */
  keepAliveMs?: number;
}

/** A web-standard request handler serving one MCP endpoint, with a way to stop it. */
export interface FetchHandler {
  (request: Request): Promise<Response>;
  /** End open `subscriptions/listen` streams gracefully. */
  close(): void;
}

const METADATA_PREFIX = "/.well-known/oauth-protected-resource";

/**
 * A web-standard `fetch` handler for a server: the stateless 2026-07-28 protocol, for Bun,
 * Deno, Cloudflare Workers, serverless functions and any router built on `Request` and
 * `Response`. It validates requests as the node endpoint does (Host/Origin, credentials
 * before the body, content type, size, JSON-RPC shape, the MCP headers) and answers with
 * JSON, or with an event stream when the handler sends notifications and the client
 * accepts `text/event-stream`. 2025-era requests (`initialize`, sessions) are refused with
 * a 400 that says so: serve those with {@link createHttpEndpoint} or the Express and
 * Fastify adapters. With `auth`, a GET on `/.well-known/oauth-protected-resource[/path]`
 * answers the protected-resource metadata.
 *
 * The Host check follows the request: a loopback Host gets the loopback policy (loopback
 * origins only), any other Host is checked against `allowedHosts` when given, and a request
 * with an `Origin` not in `allowedOrigins` is refused.
 *
 * @example
 * const handler = createFetchHandler(server);
 * export default { fetch: handler };            // Cloudflare Workers, Bun
 * Deno.serve(handler);                          // Deno
 */
export function createFetchHandler(
  server: Server,
  options: FetchHandlerOptions = {},
): FetchHandler {
  const loopbackCheck = createHostCheck("127.0.0.1", options);
  const publicCheck = createHostCheck("0.0.0.0", options);
  const codec = new ModernCodec(server, options);
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const auth = options.auth;
  const listeners = new Set<{ end(): void }>();

  const resourceOf = (url: URL, path = url.pathname): string =>
    options.publicUrl ?? `${url.origin}${path}`;

  /** `WWW-Authenticate` for authorization failures, pointing at the resource's metadata. */
  function challenge(error: unknown, resource: string): Record<string, string> | undefined {
    if (!auth) return undefined;
    const target = new URL(resource);
    const resourceMetadata = `${target.origin}${protectedResourceMetadataPath(target)}`;
    if (error instanceof UnauthorizedError) {
      const scope = auth.scopesSupported;
      return {
        "www-authenticate": bearerChallenge({
          resourceMetadata,
          ...(scope.length > 0 ? { scope } : {}),
          ...(error.oauthError ? { error: error.oauthError, errorDescription: error.message } : {}),
        }),
      };
    }
    if (error instanceof InsufficientScopeError) {
      return {
        "www-authenticate": bearerChallenge({
          resourceMetadata,
          scope: error.requiredScopes,
          error: "insufficient_scope",
          errorDescription: error.message,
        }),
      };
    }
    return undefined;
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const headers = headersOf(request, url);
    try {
      (isLoopback(url.hostname) ? loopbackCheck : publicCheck)({ headers });
    } catch (error) {
      return errorJsonResponse(error);
    }
    if (auth && url.pathname.startsWith(METADATA_PREFIX)) {
      if (request.method !== "GET" && request.method !== "HEAD") return methodNotAllowed("GET");
      const path = url.pathname.slice(METADATA_PREFIX.length) || "/";
      // Public metadata: browsers on other origins may read it.
      return jsonResponse(200, auth.metadata(resourceOf(url, path)), {
        "access-control-allow-origin": "*",
      });
    }
    const resource = resourceOf(url);
    let principal: Principal = ANONYMOUS;
    if (auth) {
      try {
        principal = await auth.authenticate(headers.authorization, resource);
      } catch (error) {
        return errorJsonResponse(error, null, challenge(error, resource));
      }
    }
    if (request.method !== "POST") return methodNotAllowed("POST");
    let raw: unknown;
    try {
      assertJsonContentType({ headers });
      raw = parseJson(await readRequestBody(request, maxBody));
      if (Array.isArray(raw))
        throw new InvalidRequestError("Invalid request: JSON-RPC batches are not supported");
      const incoming = parseMessage(raw);
      if (!isModern(headers, incoming)) throw legacyRefusal(headers, incoming);
      if (incoming.kind === "response") {
        throw new InvalidRequestError(
          "Invalid request: clients do not send responses in protocol 2026-07-28",
        );
      }
      checkModernHeaders({ headers }, incoming.message, server);
      if (incoming.kind === "notification") return new Response(null, { status: 202 });
      const message = incoming.message;
      if (message.method === "subscriptions/listen") return openListen(message);
      const streams = (headers.accept ?? "").includes("text/event-stream");
      return await answer(message, principal, request.signal, streams, resource);
    } catch (error) {
      return errorJsonResponse(error, idOf(raw), challenge(error, resource));
    }
  }

  /** The final response: status by error code; 429/503/403 refusals with their headers. */
  function final(response: JsonRpcResponse, status: number, resource: string): Response {
    const error = response.error;
    if (!error) return jsonResponse(200, response);
    if (error.code === JsonRpcCode.RateLimited || error.code === JsonRpcCode.Unavailable) {
      const after = (error.data as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
      return jsonResponse(
        error.code === JsonRpcCode.RateLimited ? 429 : 503,
        response,
        typeof after === "number" ? { "retry-after": String(after) } : {},
      );
    }
    const data = error.data as { error?: string; requiredScopes?: string[] } | undefined;
    if (auth && data?.error === "insufficient_scope") {
      const refusal = new InsufficientScopeError("this operation", data.requiredScopes ?? []);
      return jsonResponse(403, response, challenge(refusal, resource));
    }
    return jsonResponse(STATUS_OF[error.code] ?? status, response);
  }

  /**
   * Run one request. Plain JSON unless the client accepts an event stream and the handler
   * sends something before its result; from that first message on, the answer is a stream.
   */
  function answer(
    request: JsonRpcRequest,
    principal: Principal,
    signal: AbortSignal,
    streams: boolean,
    resource: string,
  ): Promise<Response> {
    // Closing the response is the 2026-07-28 way to cancel a request.
    const cancellation = new Cancellation();
    const disconnect = () => cancellation.abort(new Error("Client disconnected"));
    signal.addEventListener("abort", disconnect, { once: true });
    return new Promise<Response>((resolve, reject) => {
      let stream: SseStream | undefined;
      let done = false;
      const send = (message: JsonObject) => {
        if (!stream) {
          stream = new SseStream(() => {
            if (!done) disconnect();
          });
          resolve(stream.response());
        }
        stream.write(message);
      };
      codec
        .handle(request, principal, cancellation, streams ? send : undefined)
        .then(({ response, status }) => {
          done = true;
          signal.removeEventListener("abort", disconnect);
          if (!stream) resolve(final(response, status, resource));
          else if (!cancellation.aborted) {
            stream.write(response as unknown as JsonObject);
            stream.close();
          }
        }, reject);
    });
  }

  function openListen(request: JsonRpcRequest): Response {
    let timer: ReturnType<typeof setInterval> | undefined;
    let subscription: Subscription | undefined;
    const stream = new SseStream(() => {
      clearInterval(timer);
      subscription?.close();
      listeners.delete(entry);
    });
    const entry = {
      end() {
        subscription?.end();
        stream.close();
      },
    };
    // Validation comes before the first message, so a bad request still gets a JSON error.
    subscription = listen(server, request, (message) => stream.write(message));
    if (keepAliveMs > 0) timer = setInterval(() => stream.comment(), keepAliveMs);
    listeners.add(entry);
    return stream.response();
  }

  const handler = ((request: Request) => handle(request)) as FetchHandler;
  handler.close = () => {
    for (const listener of [...listeners]) listener.end();
  };
  return handler;
}

/** The request's headers as a node-style record, with `host` even where the runtime hides it. */
function headersOf(request: Request, url: URL): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {};
  for (const [name, value] of request.headers) headers[name] = value;
  headers.host ??= url.host;
  return headers;
}

function isModern(headers: IncomingHttpHeaders, incoming: ClientMessage): boolean {
  const version = headers["mcp-protocol-version"];
  if (typeof version === "string" && isModernVersion(version.trim())) return true;
  if (incoming.kind === "response") return false;
  const meta = incoming.message.params["_meta"];
  return typeof meta === "object" && meta !== null && META.protocolVersion in meta;
}

/** The 400 for a 2025-era request: this handler speaks 2026-07-28 only. */
function legacyRefusal(headers: IncomingHttpHeaders, incoming: ClientMessage): HttpError {
  const params = incoming.kind === "response" ? {} : incoming.message.params;
  const requested = headers["mcp-protocol-version"] ?? params["protocolVersion"] ?? null;
  return new HttpError(
    "ERR_UNSUPPORTED_PROTOCOL_VERSION",
    400,
    JsonRpcCode.UnsupportedProtocolVersion,
    `This endpoint speaks MCP ${MODERN_VERSION} only (stateless, no initialize or sessions): ` +
      `send MCP-Protocol-Version: ${MODERN_VERSION} and the request _meta. 2025-era clients ` +
      "need Berth's node endpoint (serveHttp, createHttpEndpoint, or the Express or Fastify adapter).",
    { data: { supported: [MODERN_VERSION], requested } },
  );
}
