import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "../../engine/context.js";
import type { Server } from "../../engine/server.js";
import { HttpError, UnavailableError } from "../../errors.js";
import { LegacyCodec } from "../../protocol/2025-11-25/codec.js";
import { ModernCodec, type ModernCodecOptions } from "../../protocol/2026-07-28/codec.js";
import {
  admitCaller,
  authenticateCaller,
  type Caller,
  type CallerOptions,
  refusalHeaders,
} from "../caller.js";
import { assertJsonContentType, parseJson, readBody } from "../http/body.js";
import { createHostCheck } from "../http/host-check.js";
import { writeAccepted, writeError, writeMethodNotAllowed } from "../http/respond.js";
import { keepAlive, SSE_HEADERS, writeEventData } from "../http/sse.js";
import { MessageStream, type StreamCodecs } from "../message-stream.js";

/** Options of {@link createLegacySseEndpoint}. */
export interface LegacySseEndpointOptions extends CallerOptions, ModernCodecOptions {
  /** Path of the event stream a client opens with GET (default `/sse`). */
  ssePath?: string;
  /** Path the client POSTs its messages to (default `/messages`). */
  messagesPath?: string;
  /** Largest accepted message, in bytes (default 4 MiB; 413 past it). */
  maxBodyBytes?: number;
  /** Interval of keep-alive comments on the stream, in milliseconds (default 15 s; 0: none). */
  keepAliveMs?: number;
  /** Refuse new streams past this many open ones (default 10,000; 503). */
  maxSessions?: number;
  /** Requests and subscriptions one stream may have open at once (default 100; -32030). */
  maxInFlight?: number;
  /** How long a client may take to answer elicitation, sampling or roots (default 10 minutes). */
  clientRequestTimeoutMs?: number;
}

/** The 2024-11-05 HTTP+SSE endpoints of one server. */
export interface LegacySseEndpoint {
  /**
   * Serve `req` when it is for the stream or messages path and return true; return false
   * (touching nothing) for any other path.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Open streams, one per client session. */
  readonly sessionCount: number;
  /** Requests being answered on all streams now. */
  readonly requestsInFlight: number;
  /** Refuse new requests on open streams (-32030) while those in flight finish. */
  drain(): void;
  /** End every stream and refuse new ones. */
  close(): void;
}

interface SseSession {
  readonly owner: string | undefined;
  readonly stream: MessageStream;
  readonly res: ServerResponse;
}

function pathOf(url: string): { pathname: string; query: string } {
  const at = url.indexOf("?");
  return at < 0
    ? { pathname: url, query: "" }
    : { pathname: url.slice(0, at), query: url.slice(at + 1) };
}

/**
 * Build the HTTP+SSE transport of protocol revision 2024-11-05, which later revisions
 * deprecate, for clients that speak nothing newer: GET `ssePath` opens an event stream whose
 * first `endpoint` event names where to POST messages; responses and server messages
 * arrive as `message` events on that stream. A session lives as long as its stream and
 * belongs to the caller who opened it.
 *
 * @example
 * const sse = createLegacySseEndpoint(server);
 * createHttpServer((req, res) => {
 *   if (!sse.handle(req, res)) res.writeHead(404).end();
 * }).listen(3000, "127.0.0.1");
 */
export function createLegacySseEndpoint(
  server: Server,
  options: LegacySseEndpointOptions = {},
): LegacySseEndpoint {
  const ssePath = options.ssePath ?? "/sse";
  const messagesPath = options.messagesPath ?? "/messages";
  if (ssePath === messagesPath) {
    throw new Error(`ssePath and messagesPath must differ; both are '${ssePath}'`);
  }
  const maxBody = options.maxBodyBytes ?? 4 * 1024 * 1024;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const maxSessions = options.maxSessions ?? 10_000;
  const hostCheck = createHostCheck(options.bindHost ?? "127.0.0.1", options);
  const codecs: StreamCodecs = {
    server,
    modern: new ModernCodec(server, options),
    legacy: new LegacyCodec(server, options),
    clientRequestTimeoutMs: options.clientRequestTimeoutMs,
    // Each posted request is admitted on its own, released when it is answered.
    admit: options.admit,
    maxInFlight: options.maxInFlight,
  };
  const sessions = new Map<string, SseSession>();
  let closing = false;

  /** Check Host/Origin, then authenticate and admit; on refusal answer and return undefined. */
  async function admit(req: IncomingMessage, res: ServerResponse): Promise<Caller | undefined> {
    try {
      hostCheck(req);
      const caller = await admitCaller(options, req);
      if (caller.done) res.once("close", caller.done);
      return caller;
    } catch (error) {
      req.resume();
      writeError(res, error, null, refusalHeaders(options, error, req));
      return undefined;
    }
  }

  async function openStream(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const caller = await admit(req, res);
    if (!caller) return;
    if (closing || sessions.size >= maxSessions) {
      writeError(res, new UnavailableError("Too many open sessions; try again later", 5));
      return;
    }
    const id = randomUUID();
    const stream = new MessageStream(codecs, (message) => {
      if (!res.writableEnded && !res.destroyed) writeEventData(res, JSON.stringify(message));
    });
    sessions.set(id, { owner: caller.principal.subject, stream, res });
    const stopKeepAlive = keepAlive(res, keepAliveMs);
    res.once("close", () => {
      stopKeepAlive();
      sessions.delete(id);
      stream.close(false);
    });
    res.writeHead(200, SSE_HEADERS);
    // A relative URI: the client resolves it against the stream's URL.
    res.write(`event: endpoint\ndata: ${messagesPath}?sessionId=${id}\n\n`);
  }

  async function postMessage(req: IncomingMessage, res: ServerResponse, query: string) {
    let principal: Principal;
    try {
      hostCheck(req);
      principal = await authenticateCaller(options, req);
    } catch (error) {
      req.resume();
      writeError(res, error, null, refusalHeaders(options, error, req));
      return;
    }
    try {
      const id = new URLSearchParams(query).get("sessionId");
      if (!id) {
        throw new HttpError(
          "ERR_SESSION_REQUIRED",
          400,
          -32600,
          "Bad Request: the sessionId query parameter is required",
        );
      }
      const session = sessions.get(id);
      // A session is usable only by whoever opened it; to anyone else it does not exist.
      if (!session || session.owner !== principal.subject) {
        throw new HttpError(
          "ERR_SESSION_NOT_FOUND",
          404,
          -32001,
          `Session not found: open a new event stream at ${ssePath}`,
        );
      }
      assertJsonContentType(req);
      const raw = parseJson(await readBody(req, maxBody));
      writeAccepted(res);
      // Admission (rate limits, concurrency) happens per request in the stream, for as long
      // as the work runs, not for the instant of this 202.
      session.stream.receive(raw, principal, req);
    } catch (error) {
      req.resume();
      writeError(res, error);
    }
  }

  return {
    handle(req, res) {
      const { pathname, query } = pathOf(req.url ?? "/");
      if (pathname === ssePath) {
        if (req.method !== "GET") {
          req.resume();
          writeMethodNotAllowed(res, "GET");
        } else openStream(req, res).catch((error) => writeError(res, error));
        return true;
      }
      if (pathname === messagesPath) {
        if (req.method !== "POST") {
          req.resume();
          writeMethodNotAllowed(res, "POST");
        } else postMessage(req, res, query).catch((error) => writeError(res, error));
        return true;
      }
      return false;
    },
    get sessionCount() {
      return sessions.size;
    },
    get requestsInFlight() {
      let count = 0;
      for (const session of sessions.values()) count += session.stream.inFlight;
      return count;
    },
    drain() {
      for (const session of sessions.values()) session.stream.drain();
    },
    close() {
      closing = true;
      for (const session of [...sessions.values()]) {
        session.stream.close(true);
        session.res.end();
      }
    },
  };
}
