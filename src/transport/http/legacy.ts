import type { IncomingMessage, ServerResponse } from "node:http";
import { Cancellation } from "../../engine/cancellation.js";
import type { Principal } from "../../engine/context.js";
import { HttpError, InvalidRequestError } from "../../errors.js";
import type { LegacyCodec } from "../../protocol/2025-11-25/codec.js";
import type { LegacySession } from "../../protocol/2025-11-25/session.js";
import type { ClientMessage, JsonRpcResponse } from "../../protocol/jsonrpc.js";
import { LEGACY_VERSIONS } from "../../protocol/versions.js";
import type { EventStore } from "./event-store.js";
import { EVENT_ID_SEPARATOR, Reply } from "./reply.js";
import { writeAccepted, writeEventsOnly, writeJson, writeMethodNotAllowed } from "./respond.js";
import type { SessionTable } from "./sessions.js";
import { keepAlive, SSE_HEADERS } from "./sse.js";

/** Shared state of the 2025-era side of the endpoint. */
export interface LegacyEndpoint {
  readonly codec: LegacyCodec;
  /** Session table, or `undefined` in stateless mode. */
  readonly sessions: SessionTable | undefined;
  readonly events: EventStore;
  readonly keepAliveMs: number;
  /** Open streams by stream id (POST streams and GET streams), so a resumed GET can re-attach. */
  readonly running: Map<string, Reply>;
  /** How many POST streams were opened, for stream ids. */
  readonly streams: { count: number };
  /** HTTP status and headers for a response that refuses the caller (insufficient scope). */
  readonly refusal: Refusal;
}

const SESSION_HEADER = "mcp-session-id";

/** Status and headers of a JSON-RPC error response that refuses the caller, if it is one. */
export type Refusal = (
  response: JsonRpcResponse,
  req: IncomingMessage,
) => { status: number; headers: Record<string, string> } | undefined;

function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function checkVersionHeader(req: IncomingMessage): void {
  const version = headerOf(req, "mcp-protocol-version");
  if (version !== undefined && !(LEGACY_VERSIONS as readonly string[]).includes(version)) {
    throw new HttpError(
      "ERR_BAD_PROTOCOL_VERSION",
      400,
      -32600,
      `Bad Request: unsupported MCP-Protocol-Version '${version}'`,
    );
  }
}

function findSession(
  endpoint: LegacyEndpoint,
  req: IncomingMessage,
  principal: Principal,
): LegacySession {
  const id = headerOf(req, SESSION_HEADER);
  if (!id)
    throw new HttpError(
      "ERR_SESSION_REQUIRED",
      400,
      -32600,
      "Bad Request: Mcp-Session-Id header is required",
    );
  const session = endpoint.sessions?.get(id);
  // A session is usable only by whoever opened it; to anyone else it does not exist.
  if (!session || session.owner !== principal.subject)
    throw new HttpError(
      "ERR_SESSION_NOT_FOUND",
      404,
      -32001,
      "Session not found: initialize a new session",
    );
  session.lastSeen = Date.now();
  return session;
}

/** Count an open response against its session, so an idle session is one nobody listens to. */
function track(session: LegacySession, res: ServerResponse): void {
  session.connections++;
  res.once("close", () => {
    session.connections--;
    session.lastSeen = Date.now();
  });
}

/** Serve one 2025-era POST. */
export async function serveLegacy(
  endpoint: LegacyEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
  incoming: ClientMessage,
  principal: Principal,
): Promise<void> {
  checkVersionHeader(req);
  const { codec, sessions } = endpoint;
  if (incoming.kind === "request" && incoming.message.method === "initialize") {
    if (sessions && headerOf(req, SESSION_HEADER)) {
      throw new InvalidRequestError("Invalid request: initialize must not carry an Mcp-Session-Id");
    }
    if (sessions && sessions.size >= sessions.maxSessions) {
      throw new HttpError(
        "ERR_TOO_MANY_SESSIONS",
        503,
        -32000,
        "Too many open sessions; try again later",
      );
    }
    const { session, response } = codec.initialize(incoming.message, {
      sessionId: sessions !== undefined,
    });
    session.owner = principal.subject;
    if (session.id) sessions?.add(session);
    writeJson(res, 200, response, session.id ? { [SESSION_HEADER]: session.id } : undefined);
    return;
  }
  const session = sessions
    ? findSession(endpoint, req, principal)
    : codec.statelessSession(headerOf(req, "mcp-protocol-version"));
  if (incoming.kind === "notification") {
    codec.notify(session, incoming.message);
    writeAccepted(res);
    return;
  }
  if (incoming.kind === "response") {
    // Only this session's own requests can be answered; anything else is ignored.
    session.outbound.resolve(incoming.message);
    writeAccepted(res);
    return;
  }
  const request = incoming.message;
  // With sessions a dropped connection is not a cancellation: the client may resume the
  // stream with Last-Event-ID. Without them nothing could resume, so the handler stops.
  const cancellation = new Cancellation();
  let reply: Reply;
  if (session.id) {
    track(session, res);
    const streamId = `${session.id}/${++endpoint.streams.count}`;
    reply = new Reply(res, {
      headers: { [SESSION_HEADER]: session.id },
      store: { events: endpoint.events, streamId },
      onDone: () => endpoint.running.delete(streamId),
    });
    endpoint.running.set(streamId, reply);
  } else {
    reply = new Reply(res, {
      onDisconnect: () => cancellation.abort(new Error("Client disconnected")),
    });
  }
  const response = await codec.handle(
    session,
    request,
    principal,
    cancellation,
    (m) => reply.send(m),
    req,
  );
  const refusal = response && endpoint.refusal(response, req);
  if (refusal)
    reply.finish(response as unknown as Record<string, unknown>, refusal.status, refusal.headers);
  else if (response) reply.finish(response as unknown as Record<string, unknown>);
  else reply.abandon();
}

/** GET: the session's standalone SSE stream, or the resumption of a broken stream. */
export async function openLegacyStream(
  endpoint: LegacyEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
  principal: Principal,
): Promise<void> {
  if (!endpoint.sessions || !headerOf(req, SESSION_HEADER)) {
    writeMethodNotAllowed(res, "POST");
    return;
  }
  const session = findSession(endpoint, req, principal);
  if (!(req.headers.accept ?? "").includes("text/event-stream")) {
    throw new HttpError(
      "ERR_NOT_ACCEPTABLE",
      406,
      -32600,
      "Not Acceptable: the GET stream needs Accept: text/event-stream",
    );
  }
  const standaloneId = `${session.id}/standalone`;
  const lastEventId = headerOf(req, "last-event-id");
  let streamId = standaloneId;
  let afterId: string | undefined;
  if (lastEventId) {
    const at = lastEventId.indexOf(EVENT_ID_SEPARATOR);
    streamId = at < 0 ? "" : lastEventId.slice(0, at);
    afterId = lastEventId.slice(at + 1);
    if (!streamId.startsWith(`${session.id}/`)) {
      throw new HttpError(
        "ERR_UNKNOWN_EVENT",
        404,
        -32600,
        "Last-Event-ID names no stream of this session",
      );
    }
  }
  const stopKeepAlive = keepAlive(res, endpoint.keepAliveMs);
  res.once("close", stopKeepAlive);
  track(session, res);

  const running = endpoint.running.get(streamId);
  if (running) {
    if (afterId === undefined && running.connected) {
      throw new HttpError(
        "ERR_STREAM_CONFLICT",
        409,
        -32000,
        "Conflict: this session already has an open GET stream",
      );
    }
    res.writeHead(200, { ...SSE_HEADERS, [SESSION_HEADER]: session.id! });
    running.resume(res, afterId);
    return;
  }
  if (streamId !== standaloneId) {
    // The stream finished: replay what is stored (its final response included) and end.
    await writeEventsOnly(
      res,
      session.id!,
      (send) => endpoint.events.replayAfter(streamId, afterId!, send),
      streamId,
    );
    return;
  }
  const reply = new Reply(res, {
    headers: { [SESSION_HEADER]: session.id! },
    store: { events: endpoint.events, streamId },
  });
  reply.open();
  endpoint.running.set(streamId, reply);
  session.unsolicited = {
    send: (message) => reply.send(message),
    end: () => {
      reply.abandon();
      endpoint.running.delete(streamId);
      endpoint.events.forget?.(streamId);
    },
  };
}

/** DELETE: end the session. */
export function deleteLegacySession(
  endpoint: LegacyEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
  principal: Principal,
): void {
  const id = headerOf(req, SESSION_HEADER);
  if (!endpoint.sessions || !id) {
    writeMethodNotAllowed(res, "POST");
    return;
  }
  findSession(endpoint, req, principal);
  endpoint.sessions.delete(id);
  res.writeHead(200);
  res.end();
}
