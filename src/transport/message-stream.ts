import { Cancellation } from "../engine/cancellation.js";
import type { Principal } from "../engine/context.js";
import type { Server } from "../engine/server.js";
import type { JsonObject } from "../engine/types.js";
import { InvalidRequestError, ParseError, toBerthError } from "../errors.js";
import type { LegacyCodec } from "../protocol/2025-11-25/codec.js";
import { LegacySession } from "../protocol/2025-11-25/session.js";
import type { ModernCodec } from "../protocol/2026-07-28/codec.js";
import { listen, type Subscription } from "../protocol/2026-07-28/listen.js";
import {
  type ClientMessage,
  errorResponse,
  idOf,
  parseMessage,
  type RequestId,
} from "../protocol/jsonrpc.js";
import { LEGACY_VERSIONS, META } from "../protocol/versions.js";

/** The codecs a stream speaks, built once per endpoint and shared by its connections. */
export interface StreamCodecs {
  readonly server: Server;
  readonly modern: ModernCodec;
  readonly legacy: LegacyCodec;
  /** How long a 2025-era client may take to answer elicitation, sampling or roots. */
  readonly clientRequestTimeoutMs?: number | undefined;
}

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
  #closed = false;

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

  /** Take one message as text; a parse or validation failure is answered on the stream. */
  receiveText(text: string, principal: Principal): void {
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
    this.receive(raw, principal);
  }

  /** Take one parsed message from `principal`; failures are answered on the stream. */
  receive(raw: unknown, principal: Principal): void {
    if (this.#closed) return;
    try {
      if (Array.isArray(raw))
        throw new InvalidRequestError("Invalid request: JSON-RPC batches are not supported");
      this.#handle(parseMessage(raw), principal).catch((error) =>
        this.#write(errorResponse(idOf(raw), toBerthError(error))),
      );
    } catch (error) {
      this.#write(errorResponse(idOf(raw), toBerthError(error)));
    }
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

  async #handle(incoming: ClientMessage, principal: Principal): Promise<void> {
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
        ? (await this.#codecs.modern.handle(request, principal, cancellation, this.#write)).response
        : await this.#codecs.legacy.handle(
            this.#legacySession(principal),
            request,
            principal,
            cancellation,
            this.#write,
          );
      if (response && !cancellation.aborted) this.#write(response);
    } finally {
      this.#inFlight.delete(request.id);
    }
  }
}
