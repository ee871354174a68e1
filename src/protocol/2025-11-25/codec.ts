import type { IncomingMessage } from "node:http";
import type { Cancellation } from "../../engine/cancellation.js";
import { createContext, type Principal, type RequestChannel } from "../../engine/context.js";
import { dispatch, ENGINE_METHODS, requireString } from "../../engine/dispatch.js";
import { missingCapability } from "../../engine/input-required.js";
import { type CallObserver, observeCall } from "../../engine/observer.js";
import type { Server } from "../../engine/server.js";
import { type JsonObject, LOG_LEVELS, type LogLevel } from "../../engine/types.js";
import {
  CancelledError,
  InvalidParamsError,
  InvalidRequestError,
  MethodNotFoundError,
  toBerthError,
} from "../../errors.js";
import {
  errorResponse,
  type JsonRpcNotification,
  type JsonRpcRequest,
  type JsonRpcResponse,
  resultResponse,
} from "../jsonrpc.js";
import { LEGACY_VERSIONS } from "../versions.js";
import { LegacySession } from "./session.js";

/** Pick the version to speak with a client that asked for `requested`. */
export function negotiateVersion(requested: unknown): string {
  return typeof requested === "string" && (LEGACY_VERSIONS as readonly string[]).includes(requested)
    ? requested
    : LEGACY_VERSIONS[0];
}

/**
 * The codec of the 2025-11-25 family (and 2025-06-18, 2025-03-26, 2024-11-05):
 * `initialize`, sessions, ping, logging/setLevel, resources/subscribe and server-to-client
 * requests.
 */
export class LegacyCodec {
  readonly #server: Server;
  readonly #clientRequestTimeoutMs: number | undefined;
  readonly #observer: CallObserver | undefined;
  readonly #requestTimeoutMs: number | undefined;

  /**
   * `clientRequestTimeoutMs`: how long to wait for a client's answer to elicitation, sampling
   * or roots. `observer`: watches (and may refuse) every engine call. `requestTimeoutMs`:
   * longest one engine request may run before it fails with -32001.
   */
  constructor(
    server: Server,
    options: {
      clientRequestTimeoutMs?: number;
      observer?: CallObserver;
      requestTimeoutMs?: number;
    } = {},
  ) {
    this.#server = server;
    this.#clientRequestTimeoutMs = options.clientRequestTimeoutMs;
    this.#observer = options.observer;
    this.#requestTimeoutMs = options.requestTimeoutMs;
  }

  /**
   * Answer `initialize`, creating the session it opens. `sessionId`: issue an
   * `Mcp-Session-Id` and tell the session about changes; without it (stateless HTTP) the
   * session lives for this one response and nothing is watched.
   */
  initialize(
    request: JsonRpcRequest,
    options: { sessionId: boolean; watch?: boolean },
  ): { session: LegacySession; response: JsonRpcResponse } {
    const params = request.params;
    if (typeof params["protocolVersion"] !== "string") {
      throw new InvalidParamsError("Missing required parameter 'protocolVersion'");
    }
    const caps = params["capabilities"] ?? {};
    if (typeof caps !== "object" || caps === null || Array.isArray(caps)) {
      throw new InvalidParamsError("Parameter 'capabilities' must be an object");
    }
    const session = new LegacySession(
      negotiateVersion(params["protocolVersion"]),
      options.sessionId,
      this.#clientRequestTimeoutMs,
    );
    session.clientCapabilities = caps as JsonObject;
    session.clientInfo = params["clientInfo"] as JsonObject | undefined;
    if (options.watch ?? options.sessionId)
      session.watch((listener) => this.#server.onChange(listener));
    const result: JsonObject = {
      protocolVersion: session.protocolVersion,
      capabilities: this.#server.capabilities(),
      serverInfo: this.#server.info,
    };
    if (this.#server.options.instructions)
      result["instructions"] = this.#server.options.instructions;
    return { session, response: resultResponse(request.id, result) };
  }

  /**
   * Answer one request in a session. `send` carries messages tied to the request
   * (progress, logs, server-to-client requests). Returns `undefined` when the request was
   * cancelled: cancelled requests get no response. `httpRequest`: the HTTP request that
   * carried it, for observers.
   */
  async handle(
    session: LegacySession,
    request: JsonRpcRequest,
    principal: Principal,
    cancellation: Cancellation,
    send: (message: JsonObject) => void,
    httpRequest?: IncomingMessage,
  ): Promise<JsonRpcResponse | undefined> {
    session.lastSeen = Date.now();
    session.inFlight.set(request.id, cancellation);
    try {
      const result = await this.#answer(
        session,
        request,
        principal,
        cancellation,
        send,
        httpRequest,
      );
      // A cancelled request gets no response, even when its handler returned normally.
      return cancellation.aborted ? undefined : resultResponse(request.id, result);
    } catch (error) {
      if (cancellation.aborted || error instanceof CancelledError) return undefined;
      return errorResponse(request.id, toBerthError(error));
    } finally {
      session.inFlight.delete(request.id);
    }
  }

  /** A throwaway session for one request of a 2025-era client served without sessions. */
  statelessSession(version: string | undefined): LegacySession {
    const session = new LegacySession(version ?? LEGACY_VERSIONS[0], false);
    session.stateless = true;
    return session;
  }

  /** Take a notification from the client (initialized, cancelled, roots changed). */
  notify(session: LegacySession, message: JsonRpcNotification): void {
    session.lastSeen = Date.now();
    if (message.method === "notifications/initialized") session.initialized = true;
    else if (message.method === "notifications/cancelled") {
      const id = message.params["requestId"];
      if (typeof id === "string" || typeof id === "number") {
        session.inFlight
          .get(id)
          ?.abort(new CancelledError(String(message.params["reason"] ?? "Cancelled by client")));
      }
    }
  }

  async #answer(
    session: LegacySession,
    request: JsonRpcRequest,
    principal: Principal,
    cancellation: Cancellation,
    send: (message: JsonObject) => void,
    httpRequest: IncomingMessage | undefined,
  ): Promise<JsonObject> {
    const { method, params } = request;
    switch (method) {
      case "initialize":
        throw new InvalidRequestError("Invalid request: the session is already initialized");
      case "ping":
        return {};
      case "logging/setLevel": {
        const level = requireString(params, "level");
        if (!LOG_LEVELS.includes(level as LogLevel)) {
          throw new InvalidParamsError(`Parameter 'level' must be one of ${LOG_LEVELS.join(", ")}`);
        }
        session.logLevel = level as LogLevel;
        return {};
      }
      case "resources/subscribe":
        session.subscriptions.add(requireString(params, "uri"));
        return {};
      case "resources/unsubscribe":
        session.subscriptions.delete(requireString(params, "uri"));
        return {};
    }
    if (!ENGINE_METHODS.has(method)) throw new MethodNotFoundError(method);
    const channel: RequestChannel = {
      logLevel: session.logLevel ?? "debug",
      clientCapabilities: session.clientCapabilities,
      notify: (m, p) => send({ jsonrpc: "2.0", method: m, params: p }),
      request: (m, p) => {
        if (session.stateless) {
          return Promise.reject(
            new InvalidRequestError(
              "This endpoint serves 2025-era clients without sessions, so it cannot ask the client",
            ),
          );
        }
        const missing = missingCapability(m, p, session.clientCapabilities);
        if (missing) {
          return Promise.reject(
            new InvalidRequestError(`The client did not declare the ${missing} capability`),
          );
        }
        return session.outbound.request(m, p, send, cancellation.signal);
      },
    };
    const meta = (params["_meta"] as JsonObject | undefined) ?? {};
    const ctx = createContext(channel, principal, cancellation, request.id, meta);
    const limits = { cancellation, timeoutMs: this.#requestTimeoutMs };
    if (!this.#observer) return dispatch(this.#server, method, params, ctx, limits);
    return observeCall(
      this.#observer,
      this.#server.info.name,
      method,
      params,
      principal,
      httpRequest,
      () => dispatch(this.#server, method, params, ctx, limits),
    );
  }
}
