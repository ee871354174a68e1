import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Cancellation } from "../../engine/cancellation.js";
import {
  createContext,
  type HandlerContext,
  type Principal,
  type RequestChannel,
} from "../../engine/context.js";
import { dispatch, ENGINE_METHODS } from "../../engine/dispatch.js";
import { InputRequiredSignal } from "../../engine/input-required.js";
import { type CallObserver, observeCall } from "../../engine/observer.js";
import type { Server } from "../../engine/server.js";
import { type JsonObject, LOG_LEVELS, type LogLevel } from "../../engine/types.js";
import {
  InvalidParamsError,
  JsonRpcCode,
  MethodNotFoundError,
  toBerthError,
  UnsupportedProtocolVersionError,
} from "../../errors.js";
import {
  errorResponse,
  type JsonRpcRequest,
  type JsonRpcResponse,
  resultResponse,
} from "../jsonrpc.js";
import { META, MODERN_VERSION, SUPPORTED_VERSIONS } from "../versions.js";
import { InputRound, mergeAnswers } from "./input-rounds.js";
import { digestArguments, RequestStateSigner, readInputResponses } from "./request-state.js";

/** Options of the 2026-07-28 codec. */
export interface ModernCodecOptions {
  /** Secret that signs `requestState`; random per process when unset (set it when running replicas). */
  stateSecret?: Buffer;
  /** Lifetime of cacheable list results, in milliseconds (default 60 s). */
  listTtlMs?: number;
  /** Watches (and may refuse) every engine call: metrics, logs, audit, rate limits. */
  observer?: CallObserver;
  /**
   * Longest one request may take to answer once read, in milliseconds: then the handler's
   * `ctx.signal` fires and the client gets a JSON-RPC error (-32001). Default: no limit.
   */
  requestTimeoutMs?: number;
}

/** The request-level `_meta` the 2026-07-28 revision requires, once validated. */
export interface ModernMeta {
  readonly version: string;
  readonly clientCapabilities: JsonObject;
  readonly logLevel: LogLevel | undefined;
  readonly meta: JsonObject;
}

const CACHEABLE = new Set([
  "tools/list",
  "resources/list",
  "resources/templates/list",
  "prompts/list",
]);
const MULTI_ROUND_TRIP = new Set(["tools/call", "prompts/get", "resources/read"]);

/** The identity of a request that its `requestState` is bound to. */
function bindingOf(request: JsonRpcRequest, principal: Principal) {
  const p = request.params;
  return {
    method: request.method,
    target: String(request.method === "resources/read" ? p["uri"] : p["name"]),
    digest: digestArguments(p["arguments"]),
    subject: principal.subject ?? "",
  };
}

/**
 * Read and validate the `_meta` every 2026-07-28 request carries.
 * Throws -32602 for missing fields and -32022 for an unsupported version.
 */
export function readModernMeta(params: JsonObject): ModernMeta {
  const meta = params["_meta"];
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) {
    throw new InvalidParamsError(
      `Missing required parameter '_meta' with '${META.protocolVersion}'`,
    );
  }
  const m = meta as JsonObject;
  const version = m[META.protocolVersion];
  if (typeof version !== "string") {
    throw new InvalidParamsError(`Missing required parameter '_meta.${META.protocolVersion}'`);
  }
  if (version !== MODERN_VERSION)
    throw new UnsupportedProtocolVersionError(version, SUPPORTED_VERSIONS);
  const caps = m[META.clientCapabilities];
  if (typeof caps !== "object" || caps === null || Array.isArray(caps)) {
    throw new InvalidParamsError(`Missing required parameter '_meta.${META.clientCapabilities}'`);
  }
  const level = m[META.logLevel];
  if (level !== undefined && !LOG_LEVELS.includes(level as LogLevel)) {
    throw new InvalidParamsError(
      `Parameter '_meta.${META.logLevel}' must be one of ${LOG_LEVELS.join(", ")}`,
    );
  }
  return {
    version,
    clientCapabilities: caps as JsonObject,
    logLevel: level as LogLevel | undefined,
    meta: m,
  };
}

/**
 * The 2026-07-28 codec: stateless requests, `server/discover`, multi-round-trip input
 * requests, cache hints and `resultType` on every result.
 */
export class ModernCodec {
  readonly #server: Server;
  readonly #signer: RequestStateSigner;
  readonly #listTtlMs: number;
  readonly #serverInfoMeta: JsonObject;
  readonly #observer: CallObserver | undefined;
  readonly #requestTimeoutMs: number | undefined;

  constructor(server: Server, options: ModernCodecOptions = {}) {
    this.#server = server;
    this.#observer = options.observer;
    const timeout = options.requestTimeoutMs;
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0))
      throw new TypeError("requestTimeoutMs must be a positive whole number of milliseconds");
    this.#requestTimeoutMs = timeout;
    this.#signer = new RequestStateSigner(options.stateSecret ?? randomBytes(32));
    this.#listTtlMs = options.listTtlMs ?? server.options.cacheTtlMs ?? 60_000;
    this.#serverInfoMeta = { [META.serverInfo]: server.info };
  }

  /** The `server/discover` result. */
  discover(): JsonObject {
    const result: JsonObject = {
      resultType: "complete",
      supportedVersions: SUPPORTED_VERSIONS,
      capabilities: this.#server.capabilities(),
    };
    if (this.#server.options.instructions)
      result["instructions"] = this.#server.options.instructions;
    result["ttlMs"] = this.#listTtlMs;
    result["cacheScope"] = "public";
    result["_meta"] = this.#serverInfoMeta;
    return result;
  }

  /**
   * Answer one request (everything but `subscriptions/listen`, which the transport streams).
   * `send` carries request-scoped notifications; transports that cannot stream pass `undefined`.
   * `httpRequest`: the HTTP request that carried it, for observers.
   */
  async handle(
    request: JsonRpcRequest,
    principal: Principal,
    cancellation: Cancellation,
    send: ((message: JsonObject) => void) | undefined,
    httpRequest?: IncomingMessage,
  ): Promise<{ response: JsonRpcResponse; status: number }> {
    let meta: ModernMeta;
    try {
      meta = readModernMeta(request.params);
    } catch (error) {
      const failure = toBerthError(error);
      return { response: errorResponse(request.id, failure), status: 400 };
    }
    try {
      return {
        response: resultResponse(
          request.id,
          await this.#answer(request, meta, principal, cancellation, send, httpRequest),
        ),
        status: 200,
      };
    } catch (error) {
      const failure = toBerthError(error);
      // Resource-not-found is -32602 from 2026-07-28 on.
      const code =
        failure.rpcCode === JsonRpcCode.ResourceNotFound
          ? JsonRpcCode.InvalidParams
          : failure.rpcCode;
      return {
        response: errorResponse(request.id, failure, code),
        status: failure.rpcCode === JsonRpcCode.InternalError ? 500 : 200,
      };
    }
  }

  async #answer(
    request: JsonRpcRequest,
    meta: ModernMeta,
    principal: Principal,
    cancellation: Cancellation,
    send: ((message: JsonObject) => void) | undefined,
    httpRequest: IncomingMessage | undefined,
  ): Promise<JsonObject> {
    const { method, params } = request;
    if (method === "server/discover") return this.discover();
    if (!ENGINE_METHODS.has(method)) throw new MethodNotFoundError(method);

    // Multi-round-trip state is built only for the methods that allow it, and the
    // request's digest only when a requestState is read or written.
    const round = MULTI_ROUND_TRIP.has(method)
      ? this.#openRound(request, meta, principal)
      : undefined;
    const channel: RequestChannel = {
      logLevel: meta.logLevel,
      clientCapabilities: meta.clientCapabilities,
      notify: send ? (m, p) => send({ jsonrpc: "2.0", method: m, params: p }) : () => {},
      request: round
        ? round.request
        : () => Promise.reject(new InvalidParamsError(`${method} cannot ask the client for input`)),
    };
    const ctx: HandlerContext = createContext(
      channel,
      principal,
      cancellation,
      request.id,
      meta.meta,
    );
    const limits = { cancellation, timeoutMs: this.#requestTimeoutMs };
    try {
      const result = this.#observer
        ? await observeCall(
            this.#observer,
            this.#server.info.name,
            method,
            params,
            principal,
            httpRequest,
            () => dispatch(this.#server, method, params, ctx, limits),
          )
        : await dispatch(this.#server, method, params, ctx, limits);
      return this.#complete(method, result, principal);
    } catch (error) {
      if (!(error instanceof InputRequiredSignal) || !round) throw error;
      return {
        resultType: "input_required",
        inputRequests: round.pending,
        requestState: this.#signer.sign({
          ...bindingOf(request, principal),
          answers: round.answers,
          asked: Object.keys(round.pending),
        }),
        _meta: this.#serverInfoMeta,
      };
    }
  }

  #openRound(request: JsonRpcRequest, meta: ModernMeta, principal: Principal): InputRound {
    const { requestState, inputResponses } = request.params;
    if (requestState === undefined && inputResponses === undefined) {
      return new InputRound({}, meta.clientCapabilities);
    }
    const previous =
      requestState === undefined
        ? undefined
        : this.#signer.verify(requestState, bindingOf(request, principal));
    return new InputRound(
      mergeAnswers(previous, readInputResponses(inputResponses)),
      meta.clientCapabilities,
    );
  }

  /** Decorate a result in place: engine results are always new objects (see normalize.ts). */
  #complete(method: string, out: JsonObject, principal: Principal): JsonObject {
    out["resultType"] = "complete";
    out["_meta"] = out["_meta"]
      ? { ...(out["_meta"] as JsonObject), ...this.#serverInfoMeta }
      : this.#serverInfoMeta;
    if (CACHEABLE.has(method)) {
      out["ttlMs"] = this.#listTtlMs;
      out["cacheScope"] = principal.via === "anonymous" ? "public" : "private";
    } else if (method === "resources/read") {
      out["ttlMs"] = 0;
      out["cacheScope"] = principal.via === "anonymous" ? "public" : "private";
    }
    return out;
  }
}
