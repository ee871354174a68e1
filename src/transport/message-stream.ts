import type { IncomingMessage } from "node:http";
import { Cancellation } from "../engine/cancellation.js";
import type { Principal } from "../engine/context.js";
import type { Server } from "../engine/server.js";
import type { JsonObject } from "../engine/types.js";
import { InvalidRequestError, ParseError, toBerthError, UnavailableError } from "../errors.js";
import type { LegacyCodec } from "../protocol/2025-11-25/codec.js";
import { LegacySession } from "../protocol/2025-11-25/session.js";
import type { ModernCodec } from "../protocol/2026-07-28/codec.js";
import { listen, type Subscription } from "../protocol/2026-07-28/listen.js";
import {
  type ClientMessage,
  errorResponse,
  idOf,
  type JsonRpcRequest,
  parseMessage,
  type RequestId,
} from "../protocol/jsonrpc.js";
import { LEGACY_VERSIONS, META } from "../protocol/versions.js";
import type { HttpEndpointOptions } from "./http/handler.js";

/** The codecs a stream speaks, built once per endpoint and shared by its connections. */
export interface StreamCodecs {
  readonly server: Server;
  readonly modern: ModernCodec;
  readonly legacy: LegacyCodec;
  /** How long a 2025-era client may take to answer elicitation, sampling or roots. */
  readonly clientRequestTimeoutMs?: number | undefined;
  /**
   * Admission of every request on the stream, as the HTTP endpoint admits every POST (rate
   * limits, concurrency): asked with the HTTP request that carried the message (the
   * upgrade request of a WebSocket); released when the request is answered.
   */
  readonly admit?: HttpEndpointOptions["admit"];
  /** Requests and subscriptions one connection may have open at once (default 100). */
  readonly maxInFlight?: number | undefined;
}

/** Default of {@link StreamCodecs.maxInFlight}. */
const MAX_IN_FLIGHT = 100;

/**
 * One connection's stream of JSON-RPC messages, both protocol eras on it: a 2025-era
 * `initialize` opens the connection's legacy session (server-to-client requests and
 * notifications travel on the stream); 2026-07-28 requests are answered statelessly. The
 * transport frames messages (WebSocket frames, HTTP+SSE posts and events); this does the rest.
 */
export class MessageStream {
  readonly #codecs: StreamCodecs;
  readonly #write: (message: object) => void;
  // Exists only once a 2025-era client spoke: a 2026 client must receive no notification
  // it did not subscribe to.
  #session: LegacySession | undefined;
  readonly #inFlight = new Map<RequestId, Cancellation>();
  readonly #subscriptions = new Map<RequestId, Subscription>();
  readonly #running = new Set<Promise<void>>();
  #closed = false;
  #draining = false;

  /** `write` sends one message to the client; it is never called after {@link close}. */
  constructor(codecs: StreamCodecs, write: (message: object) => void) {
    this.#codecs = codecs;
    this.#write = (message) => {
      if (!this.#closed) write(message);
    };
  }

  /** Requests being answered now. */
  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Refuse new requests (-32030, retry elsewhere) while those in flight finish. */
  drain(): void {
    this.#draining = true;
  }

  /**
   * Take one message as text; a parse or validation failure is answered on the stream.
   * `httpRequest`: the HTTP request that carried it, for admission and observers.
   */
  receiveText(text: string, principal: Principal, httpRequest?: IncomingMessage): void {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      this.#write(
        errorResponse(
          null,
          new ParseError("Parse error: the message is not valid JSON", { cause: error }),
        ),
      );
      return;
    }
    this.receive(raw, principal, httpRequest);
  }

  /** Take one parsed message from `principal`; failures are answered on the stream. */
  receive(raw: unknown, principal: Principal, httpRequest?: IncomingMessage): void {
    if (this.#closed) return;
    try {
      if (Array.isArray(raw))
        throw new InvalidRequestError("Invalid request: JSON-RPC batches are not supported");
      const task = this.#handle(parseMessage(raw), principal, httpRequest).catch((error) =>
        this.#write(errorResponse(idOf(raw), toBerthError(error))),
      );
      this.#running.add(task);
      void task.finally(() => this.#running.delete(task));
    } catch (error) {
      this.#write(errorResponse(idOf(raw), toBerthError(error)));
    }
  }

  /** Cancel every request in flight (their handlers' signals fire); the stream stays open. */
  abort(reason: Error): void {
    for (const cancellation of this.#inFlight.values()) cancellation.abort(reason);
  }

  /**
   * End once the client stops sending but may still read (stdio's input ended): listen
   * streams send their final result, what waits on the client fails, requests in flight
   * finish and are answered, then the session ends.
   */
  async finish(): Promise<void> {
    for (const subscription of this.#subscriptions.values()) subscription.end();
    this.#subscriptions.clear();
    this.#session?.outbound.rejectAll();
    await Promise.allSettled([...this.#running]);
    this.close(true);
  }

  /**
   * Stop: cancel in-flight work, fail what waits on the client and end the session. When
   * `graceful`, open `subscriptions/listen` streams first send their final result (the
   * server is closing and the client still reads); otherwise the client is gone.
   */
  close(graceful: boolean): void {
    if (this.#closed) return;
    for (const subscription of this.#subscriptions.values()) {
      if (graceful) subscription.end();
      else subscription.close();
    }
    this.#subscriptions.clear();
    this.#closed = true;
    const reason = new Error(graceful ? "Server closing" : "Client disconnected");
    for (const cancellation of this.#inFlight.values()) cancellation.abort(reason);
    this.#session?.close();
  }

  #openSession(created: LegacySession, principal: Principal): LegacySession {
    this.#session?.close();
    created.owner = principal.subject;
    created.unsolicited = { send: this.#write, end: () => {} };
    this.#session = created;
    return created;
  }

  #legacySession(principal: Principal): LegacySession {
    if (this.#session) return this.#session;
    const { server, clientRequestTimeoutMs } = this.#codecs;
    const implicit = this.#openSession(
      new LegacySession(LEGACY_VERSIONS[0], false, clientRequestTimeoutMs),
      principal,
    );
    implicit.watch((listener) => server.onChange(listener));
    return implicit;
  }

  async #handle(
    incoming: ClientMessage,
    principal: Principal,
    httpRequest: IncomingMessage | undefined,
  ): Promise<void> {
    if (incoming.kind === "response") {
      this.#session?.outbound.resolve(incoming.message);
      return;
    }
    const { method, params } = incoming.message;
    if (incoming.kind === "notification") {
      if (method === "notifications/cancelled") {
        const id = params["requestId"] as RequestId;
        this.#inFlight.get(id)?.abort(new Error("Cancelled by client"));
        this.#subscriptions.get(id)?.close();
        this.#subscriptions.delete(id);
      } else if (this.#session) {
        this.#codecs.legacy.notify(this.#session, incoming.message);
      }
      return;
    }
    const request = incoming.message;
    const meta = params["_meta"] as JsonObject | undefined;
    const isModern =
      method === "server/discover" ||
      (typeof meta === "object" && meta !== null && META.protocolVersion in meta);
    if (this.#inFlight.has(request.id) || this.#subscriptions.has(request.id)) {
      throw new InvalidRequestError(
        `Invalid request: id ${JSON.stringify(request.id)} is already in use`,
      );
    }
    if (this.#draining)
      throw new UnavailableError("The server is shutting down; retry in a moment");
    const limit = this.#codecs.maxInFlight ?? MAX_IN_FLIGHT;
    if (this.#inFlight.size + this.#subscriptions.size >= limit) {
      throw new UnavailableError(
        `Too many requests open on this connection (at most ${limit}); wait for answers first`,
      );
    }
    const { admit } = this.#codecs;
    let admitted = admit && httpRequest ? admit(httpRequest, principal) : undefined;
    if (admitted instanceof Promise) admitted = await admitted;
    const release = admitted;
    try {
      await this.#answer(request, isModern, principal, httpRequest);
    } finally {
      release?.();
    }
  }

  async #answer(
    request: JsonRpcRequest,
    isModern: boolean,
    principal: Principal,
    httpRequest: IncomingMessage | undefined,
  ): Promise<void> {
    const { method } = request;
    if (isModern && method === "subscriptions/listen") {
      this.#subscriptions.set(
        request.id,
        listen(this.#codecs.server, request, (m) => this.#write(m)),
      );
      return;
    }
    if (!isModern && method === "initialize") {
      const opened = this.#codecs.legacy.initialize(request, { sessionId: false, watch: true });
      this.#openSession(opened.session, principal);
      this.#write(opened.response);
      return;
    }
    const cancellation = new Cancellation();
    this.#inFlight.set(request.id, cancellation);
    try {
      const response = isModern
        ? (
            await this.#codecs.modern.handle(
              request,
              principal,
              cancellation,
              this.#write,
              httpRequest,
            )
          ).response
        : await this.#codecs.legacy.handle(
            this.#legacySession(principal),
            request,
            principal,
            cancellation,
            this.#write,
            httpRequest,
          );
      if (response && !cancellation.aborted) this.#write(response);
    } finally {
      this.#inFlight.delete(request.id);
    }
  }
}
