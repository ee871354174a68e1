import type { IncomingMessage, ServerResponse } from "node:http";
import { Cancellation } from "../../engine/cancellation.js";
import type { Principal } from "../../engine/context.js";
import { HttpError, InvalidRequestError } from "../../errors.js";
import type { LegacyCodec } from "../../protocol/2025-11-25/codec.js";
import { LegacySession } from "../../protocol/2025-11-25/session.js";
import type { ClientMessage } from "../../protocol/jsonrpc.js";
import { LEGACY_VERSIONS } from "../../protocol/versions.js";
import type { EventStore } from "./event-store.js";
import { Reply } from "./reply.js";
import { writeAccepted, writeError, writeJson, writeMethodNotAllowed } from "./respond.js";
import type { SessionTable } from "./sessions.js";
import { keepAlive, SSE_HEADERS, writeEvent } from "./sse.js";

/** Shared state of the 2025-era side of the endpoint. */
export interface LegacyEndpoint {
  readonly codec: LegacyCodec;
  /** Session table, or `undefined` in stateless mode. */
  readonly sessions: SessionTable | undefined;
  readonly events: EventStore;
  readonly keepAliveMs: number;
  /** Running POST streams by stream id, so a resumed GET can re-attach. */
  readonly running: Map<string, Reply>;
  /** How many POST streams were opened, for stream ids. */
  readonly streams: { count: number };
}

const SESSION_HEADER = "mcp-session-id";

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

function findSession(endpoint: LegacyEndpoint, req: IncomingMessage): LegacySession {
  const id = headerOf(req, SESSION_HEADER);
  if (!id)
    throw new HttpError(
      "ERR_SESSION_REQUIRED",
      400,
      -32600,
      "Bad Request: Mcp-Session-Id header is required",
    );
  const session = endpoint.sessions?.get(id);
  if (!session)
    throw new HttpError(
      "ERR_SESSION_NOT_FOUND",
      404,
      -32001,
      "Session not found: initialize a new session",
    );
  return session;
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
    const { session, response } = codec.initialize(incoming.message, sessions !== undefined);
    if (session.id) sessions?.add(session);
    writeJson(res, 200, response, session.id ? { [SESSION_HEADER]: session.id } : undefined);
    return;
  }
  const session = sessions ? findSession(endpoint, req) : statelessSession(req);
  if (incoming.kind === "notification") {
    codec.notify(session, incoming.message);
    writeAccepted(res);
    return;
  }
  if (incoming.kind === "response") {
    codec.outbound.resolve(incoming.message);
    writeAccepted(res);
    return;
  }
  const request = incoming.message;
  // With sessions a dropped connection is not a cancellation: the client may resume the
  // stream with Last-Event-ID. Without them nothing could resume, so the handler stops.
  const cancellation = new Cancellation();
  const streamId = session.id ? `${session.id}/${++endpoint.streams.count}` : undefined;
  const reply = new Reply(
    res,
    streamId
      ? { headers: { [SESSION_HEADER]: session.id! }, store: { events: endpoint.events, streamId } }
      : { onDisconnect: () => cancellation.abort(new Error("Client disconnected")) },
  );
  if (streamId) endpoint.running.set(streamId, reply);
  try {
    const response = await codec.handle(session, request, principal, cancellation, (m) =>
      reply.send(m),
    );
    if (response) reply.finish(response as unknown as Record<string, unknown>);
    else reply.abandon();
  } finally {
    if (streamId) endpoint.running.delete(streamId);
  }
}

function statelessSession(req: IncomingMessage): LegacySession {
  const version = headerOf(req, "mcp-protocol-version") ?? LEGACY_VERSIONS[0];
  return new LegacySession(version, false);
}

/** GET: the session's standalone SSE stream, or the resumption of a broken one. */
export async function openLegacyStream(
  endpoint: LegacyEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  if (!endpoint.sessions || !headerOf(req, SESSION_HEADER)) {
    writeMethodNotAllowed(res, "POST");
    return;
  }
  const session = findSession(endpoint, req);
  if (!(req.headers.accept ?? "").includes("text/event-stream")) {
    throw new HttpError(
      "ERR_NOT_ACCEPTABLE",
      406,
      -32600,
      "Not Acceptable: the GET stream needs Accept: text/event-stream",
    );
  }
  const lastEventId = headerOf(req, "last-event-id");
  if (!lastEventId && session.unsolicited) {
    throw new HttpError(
      "ERR_STREAM_CONFLICT",
      409,
      -32000,
      "Conflict: this session already has an open GET stream",
    );
  }
  res.writeHead(200, { ...SSE_HEADERS, [SESSION_HEADER]: session.id! });
  res.flushHeaders();
  const stopKeepAlive = keepAlive(res, endpoint.keepAliveMs);
  res.once("close", stopKeepAlive);
  if (lastEventId) {
    const streamId = await endpoint.events.replayAfter(lastEventId, (id, message) =>
      writeEvent(res, message, id),
    );
    const running = streamId === undefined ? undefined : endpoint.running.get(streamId);
    if (running && !running.finished) running.attach(res);
    else if (streamId !== `${session.id}/standalone`) res.end();
    if (streamId !== `${session.id}/standalone`) return;
  }
  if (session.unsolicited) {
    writeEvent(res, {
      jsonrpc: "2.0",
      id: null,
      error: { code: -32000, message: "Conflict: a GET stream is already open" },
    });
    res.end();
    return;
  }
  const streamId = `${session.id}/standalone`;
  const send = (message: Record<string, unknown>) => {
    Promise.resolve(endpoint.events.append(streamId, message)).then((id) =>
      writeEvent(res, message, id),
    );
  };
  session.unsolicited = send;
  res.once("close", () => {
    if (session.unsolicited === send) session.unsolicited = undefined;
  });
}

/** DELETE: end the session. */
export function deleteLegacySession(
  endpoint: LegacyEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
): void {
  const id = headerOf(req, SESSION_HEADER);
  if (!endpoint.sessions || !id) {
    writeMethodNotAllowed(res, "POST");
    return;
  }
  if (!endpoint.sessions.delete(id)) {
    writeError(res, new HttpError("ERR_SESSION_NOT_FOUND", 404, -32001, "Session not found"));
    return;
  }
  res.writeHead(200);
  res.end();
}
