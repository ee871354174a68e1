import type { Server as HttpServer } from "node:http";
import type { Server as HttpsServer } from "node:https";

/**
 * Hard limits of an HTTP listener, against clients that send slowly or too much. Every
 * request is cut off (408, connection closed) if its headers take longer than
 * `headersTimeoutMs` or the whole request, body included, longer than `requestTimeoutMs`.
 */
export interface ListenerLimits {
  /** Longest wait for a request's headers, in milliseconds (default 10,000). */
  headersTimeoutMs?: number;
  /** Longest wait for a whole request, body included, in milliseconds (default 30,000). */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open, in milliseconds (default 65,000). */
  keepAliveTimeoutMs?: number;
  /** Requests served on one connection before it is closed (default unlimited). */
  maxRequestsPerSocket?: number;
  /**
   * Largest request head (request line and headers), in bytes; larger is refused with 431.
   * Node's default is 16 KiB. Can only be set when the server is created, through
   * {@link listenerOptions}.
   */
  maxHeaderBytes?: number;
}

/** The defaults of {@link ListenerLimits}. */
export const LISTENER_LIMIT_DEFAULTS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 65_000,
} as const;

/** Options of `http.createServer` that carry listener limits. */
export interface ListenerServerOptions {
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  /** How often Node checks for requests past their time; kept well under the timeouts. */
  connectionsCheckingInterval: number;
  maxHeaderSize?: number;
}

function checked(value: number | undefined, name: string, fallback: number): number;
function checked(value: number | undefined, name: string): number | undefined;
function checked(value: number | undefined, name: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1)
    throw new TypeError(`Listener limit ${name} must be a positive whole number`);
  return value;
}

/** The limits with defaults filled in, checked; throws a TypeError naming a bad one. */
function resolve(limits: ListenerLimits) {
  const headers = checked(
    limits.headersTimeoutMs,
    "headersTimeoutMs",
    LISTENER_LIMIT_DEFAULTS.headersTimeoutMs,
  );
  const request = checked(
    limits.requestTimeoutMs,
    "requestTimeoutMs",
    Math.max(LISTENER_LIMIT_DEFAULTS.requestTimeoutMs, headers),
  );
  if (headers > request) {
    throw new TypeError(
      `Listener limit headersTimeoutMs (${headers}) must not exceed requestTimeoutMs (${request})`,
    );
  }
  return {
    headers,
    request,
    keepAlive: checked(
      limits.keepAliveTimeoutMs,
      "keepAliveTimeoutMs",
      LISTENER_LIMIT_DEFAULTS.keepAliveTimeoutMs,
    ),
    maxRequestsPerSocket: checked(limits.maxRequestsPerSocket, "maxRequestsPerSocket"),
    maxHeaderBytes: checked(limits.maxHeaderBytes, "maxHeaderBytes"),
    // Node looks for late requests only this often (30 s by default, far past the limits).
    interval: Math.min(1_000, Math.max(100, Math.floor(Math.min(headers, request) / 4))),
  };
}

/**
 * Options for `http.createServer` / `https.createServer` that apply `limits` (defaults
 * filled in). `maxHeaderBytes` can only be applied this way, as Node's `maxHeaderSize`.
 *
 * @example
 * const listener = createServer(listenerOptions({ maxHeaderBytes: 8192 }), handler);
 * applyListenerLimits(listener, { maxHeaderBytes: 8192 }); // the rest: keep-alive, per-socket
 */
export function listenerOptions(limits: ListenerLimits = {}): ListenerServerOptions {
  const resolved = resolve(limits);
  const options: ListenerServerOptions = {
    headersTimeout: resolved.headers,
    requestTimeout: resolved.request,
    keepAliveTimeout: resolved.keepAlive,
    connectionsCheckingInterval: resolved.interval,
  };
  if (resolved.maxHeaderBytes !== undefined) options.maxHeaderSize = resolved.maxHeaderBytes;
  return options;
}

/**
 * Apply `limits` (defaults filled in) to a server that is not listening yet. Throws when
 * `maxHeaderBytes` differs from what the server was created with: pass
 * {@link listenerOptions} to `createServer` for that one.
 *
 * @example
 * const listener = createServer(handler);
 * applyListenerLimits(listener, { headersTimeoutMs: 5_000 });
 * listener.listen(3000, "127.0.0.1");
 */
export function applyListenerLimits(
  server: HttpServer | HttpsServer,
  limits: ListenerLimits = {},
): void {
  const resolved = resolve(limits);
  const created = (server as { maxHeaderSize?: number }).maxHeaderSize;
  if (resolved.maxHeaderBytes !== undefined && created !== resolved.maxHeaderBytes) {
    throw new TypeError(
      "maxHeaderBytes can only be set when the server is created: createServer(listenerOptions(limits), handler)",
    );
  }
  server.headersTimeout = resolved.headers;
  server.requestTimeout = resolved.request;
  server.keepAliveTimeout = resolved.keepAlive;
  if (resolved.maxRequestsPerSocket !== undefined)
    server.maxRequestsPerSocket = resolved.maxRequestsPerSocket;
  // Read by Node when the server starts listening.
  (server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval =
    resolved.interval;
}
