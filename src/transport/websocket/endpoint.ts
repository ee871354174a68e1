import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import type { Server } from "../../engine/server.js";
import { HttpError, UnavailableError } from "../../errors.js";
import { LegacyCodec } from "../../protocol/2025-11-25/codec.js";
import { ModernCodec, type ModernCodecOptions } from "../../protocol/2026-07-28/codec.js";
import { admitCaller, authenticateCaller, type CallerOptions, refusalHeaders } from "../caller.js";
import { createHostCheck } from "../http/host-check.js";
import { MAX_BUFFERED_BYTES } from "../http/sse.js";
import type { StreamCodecs } from "../message-stream.js";
import { WebSocketConnection } from "./connection.js";
import { refuseUpgrade } from "./refuse.js";

/** The WebSocket subprotocol MCP clients offer. */
export const MCP_SUBPROTOCOL = "mcp";

/** Options of {@link createWebSocketEndpoint}. */
export interface WebSocketEndpointOptions extends CallerOptions, ModernCodecOptions {
  /** Largest accepted message, in bytes (default 4 MiB); a larger one closes with 1009. */
  maxMessageBytes?: number;
  /**
   * Most bytes waiting for a client that does not read (default 8 MiB); past it the
   * connection closes with 1013 instead of buffering without bound.
   */
  maxBufferedBytes?: number;
  /** Interval of pings; a client that misses one is dropped (default 30 s; 0: none). */
  pingIntervalMs?: number;
  /** Refuse new connections past this many open ones (default 10,000; 503). */
  maxConnections?: number;
  /** Requests and subscriptions one connection may have open at once (default 100; -32030). */
  maxInFlight?: number;
  /** How long a client may take to answer elicitation, sampling or roots (default 10 minutes). */
  clientRequestTimeoutMs?: number;
  /** How long closing connections may take to finish their closing handshake (default 2 s). */
  closeTimeoutMs?: number;
}

/** MCP over WebSocket for one server. */
export interface WebSocketEndpoint {
  /**
   * Take an HTTP upgrade request (a `node:http` server's `upgrade` event): check it,
   * authenticate, then open the connection or refuse with an HTTP error.
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Open connections. */
  readonly connectionCount: number;
  /** Requests being answered on all connections now. */
  readonly requestsInFlight: number;
  /** Refuse new requests on open connections (-32030) while those in flight finish. */
  drain(): void;
  /** Close every connection with 1001 and refuse new ones. */
  close(): void;
}

function offersMcp(req: IncomingMessage): boolean {
  const header = req.headers["sec-websocket-protocol"];
  if (typeof header !== "string") return false;
  return header.split(",").some((protocol) => protocol.trim() === MCP_SUBPROTOCOL);
}

/**
 * Build MCP over WebSocket (subprotocol `mcp`): one connection carries one stream of
 * JSON-RPC messages in text frames, both protocol eras, like stdio. A 2025-era
 * `initialize` opens the connection's session, with server-to-client requests over the
 * socket; 2026-07-28 requests are answered statelessly. Credentials are checked once, at
 * the handshake; Host and Origin too, since browsers open WebSockets across origins.
 *
 * @example
 * const ws = createWebSocketEndpoint(server, { auth });
 * const http = createHttpServer(handler).listen(3000, "127.0.0.1");
 * http.on("upgrade", (req, socket, head) => ws.handleUpgrade(req, socket, head));
 */
export function createWebSocketEndpoint(
  server: Server,
  options: WebSocketEndpointOptions = {},
): WebSocketEndpoint {
  const hostCheck = createHostCheck(options.bindHost ?? "127.0.0.1", options);
  const maxBufferedBytes = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES;
  const maxConnections = options.maxConnections ?? 10_000;
  const codecs: StreamCodecs = {
    server,
    modern: new ModernCodec(server, options),
    legacy: new LegacyCodec(server, options),
    clientRequestTimeoutMs: options.clientRequestTimeoutMs,
    admit: options.admit,
    maxInFlight: options.maxInFlight,
  };
  const sockets = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: options.maxMessageBytes ?? 4 * 1024 * 1024,
    handleProtocols: () => MCP_SUBPROTOCOL,
  });
  const connections = new Set<WebSocketConnection>();
  let closing = false;
  const pingIntervalMs = options.pingIntervalMs ?? 30_000;
  const pinger =
    pingIntervalMs > 0
      ? setInterval(() => {
          for (const connection of connections) connection.heartbeat();
        }, pingIntervalMs).unref()
      : undefined;

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on("error", () => socket.destroy());
    try {
      hostCheck(req);
      if (!offersMcp(req)) {
        throw new HttpError(
          "ERR_SUBPROTOCOL_REQUIRED",
          400,
          -32600,
          `Bad Request: offer the WebSocket subprotocol '${MCP_SUBPROTOCOL}'`,
        );
      }
      // The handshake is admitted like a request (a rate limit counts connections too) and
      // released at once; every request on the connection is then admitted on its own.
      const caller = await admitCaller(options, req);
      caller.done?.();
      if (closing || connections.size >= maxConnections) {
        throw new UnavailableError("Too many open connections; try again later", 5);
      }
      sockets.handleUpgrade(req, socket, head, (ws) => {
        const connection = new WebSocketConnection(
          ws,
          codecs,
          req,
          caller.principal,
          maxBufferedBytes,
          () => connections.delete(connection),
          // Credentials are checked again for every message: a revoked key or an expired
          // token ends the connection. Known credentials are answered from memory.
          options.auth ? () => authenticateCaller(options, req) : undefined,
        );
        if (closing) connection.close();
        else connections.add(connection);
      });
    } catch (error) {
      refuseUpgrade(socket, error, refusalHeaders(options, error, req));
    }
  }

  return {
    handleUpgrade(req, socket, head) {
      void upgrade(req, socket, head);
    },
    get connectionCount() {
      return connections.size;
    },
    get requestsInFlight() {
      let count = 0;
      for (const connection of connections) count += connection.inFlight;
      return count;
    },
    drain() {
      for (const connection of connections) connection.drain();
    },
    close() {
      closing = true;
      if (pinger) clearInterval(pinger);
      const open = [...connections];
      for (const connection of open) connection.close();
      if (open.length > 0) {
        setTimeout(() => {
          for (const connection of open) connection.terminate();
        }, options.closeTimeoutMs ?? 2_000).unref();
      }
      sockets.close();
    },
  };
}
