import type { IncomingHttpHeaders } from "node:http";
import type { ResourceServer } from "../auth/resource-server.js";
import { Cancellation } from "../engine/cancellation.js";
import { ANONYMOUS, type Principal } from "../engine/context.js";
import type { Server } from "../engine/server.js";
import type { JsonObject } from "../engine/types.js";
import { InvalidRequestError } from "../errors.js";
import { ModernCodec, type ModernCodecOptions } from "../protocol/2026-07-28/codec.js";
import { listen, type Subscription } from "../protocol/2026-07-28/listen.js";
import { idOf, type JsonRpcRequest, parseMessage } from "../protocol/jsonrpc.js";
import { assertJsonContentType, parseJson } from "../transport/http/body.js";
import {
  createHostCheck,
  type HostCheckOptions,
  isLoopback,
} from "../transport/http/host-check.js";
import { checkModernHeaders } from "../transport/http/modern-headers.js";
import { readRequestBody } from "./web/body.js";
import { finalResponse, isModern, legacyRefusal } from "./web/refusals.js";
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
        return errorJsonResponse(error, null, auth?.challenge(error, resource));
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
      return errorJsonResponse(error, idOf(raw), auth?.challenge(error, resource));
    }
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
      codec.handle(request, principal, cancellation, streams ? send : undefined).then(
        ({ response, status }) => {
          done = true;
          signal.removeEventListener("abort", disconnect);
          if (!stream) resolve(finalResponse(response, status, auth, resource));
          else if (!cancellation.aborted) {
            stream.write(response as unknown as JsonObject);
            stream.close();
          }
        },
        (error: unknown) => {
          // The codec answers every failure itself; even so, never leave a stream open.
          if (stream) stream.close();
          else reject(error);
        },
      );
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
