import type { Cancellation } from "./cancellation.js";
import type {
  CreateMessageParams,
  CreateMessageResult,
  ElicitParams,
  ElicitResult,
  ElicitUrlParams,
  JsonObject,
  ListRootsResult,
  LogLevel,
} from "./types.js";
import { LOG_LEVELS } from "./types.js";

/** Who is calling. Empty (`anonymous`) until authorization is configured. */
export interface Principal {
  /** Stable subject identifier; `undefined` for anonymous callers. */
  subject?: string;
  /** Display name. */
  name?: string;
  /** Granted scopes. */
  scopes: readonly string[];
  /** OAuth client id, when known. */
  clientId?: string;
  /** Id of the API key the caller authenticated with (`via: "api-key"`); not the key itself. */
  keyId?: string;
  /**
   * How the caller authenticated. `local` is the user running a stdio server, trusted
   * with every scope.
   */
  via: "anonymous" | "local" | "bearer" | "api-key";
}

/** The principal of unauthenticated requests. */
export const ANONYMOUS: Principal = Object.freeze({ scopes: Object.freeze([]), via: "anonymous" });

/** The principal of stdio requests: the local user who started the server. */
export const LOCAL: Principal = Object.freeze({ scopes: Object.freeze([]), via: "local" });

/** The scopes of `required` the principal lacks (none for the local user). */
export function missingScopes(
  principal: Principal,
  required: readonly string[] | undefined,
): string[] {
  if (!required || required.length === 0 || principal.via === "local") return [];
  return required.filter((scope) => !principal.scopes.includes(scope));
}

/**
 * What a protocol codec provides to a handler for one request: the way back to the client.
 * Handlers never see it; they use {@link HandlerContext}.
 */
export interface RequestChannel {
  /** Send a notification tied to this request (progress, log message). */
  notify(method: string, params: JsonObject): void;
  /**
   * Ask the client something (elicitation, sampling, roots) and wait for its answer.
   * `key` names the input request in 2026-07-28 multi-round-trip results.
   */
  request(method: string, params: JsonObject, key?: string): Promise<unknown>;
  /** Minimum level of log messages the client wants, or `undefined` for none set. */
  readonly logLevel: LogLevel | undefined;
  /** Capabilities the client declared. */
  readonly clientCapabilities: JsonObject;
}

/** Options of a request for client input. */
export interface InputRequestOptions {
  /**
   * Name of this input request in a 2026-07-28 `input_required` result (default: the
   * capability and a counter, such as `elicitation-1`). Must be unique within the request.
   */
  key?: string;
}

/** Per-request logger whose messages reach the client as notifications/message. */
export type RequestLogger = {
  [L in LogLevel]: (data: unknown, logger?: string) => void;
};

/**
 * What every handler receives besides its arguments.
 *
 * @example
 * server.tool("slow", { description: "…" }, async (_args, ctx) => {
 *   for (let i = 1; i <= 10; i++) {
 *     ctx.signal.throwIfAborted();
 *     await ctx.progress(i, 10, `step ${i}`);
 *   }
 *   return "done";
 * });
 */
export interface HandlerContext {
  /** The caller. */
  readonly principal: Principal;
  /** Fires when the client cancels the request or disconnects. */
  readonly signal: AbortSignal;
  /** The JSON-RPC id of the request, when it has one. */
  readonly requestId: string | number | undefined;
  /** The request's `_meta`, as sent. */
  readonly meta: JsonObject;
  /** Capabilities the client declared (for this request in 2026-07-28, for the session before). */
  readonly clientCapabilities: JsonObject;
  /** Report progress; a no-op when the client did not ask for progress. */
  progress(progress: number, total?: number, message?: string): Promise<void>;
  /** Log to the client at the given level (filtered by the level the client set). */
  readonly log: RequestLogger;
  /** Ask the user for input through the client. Works in every protocol era. */
  elicit(
    params: ElicitParams | ElicitUrlParams,
    options?: InputRequestOptions,
  ): Promise<ElicitResult>;
  /** Ask the client's model for a completion. Works in every protocol era. */
  sample(params: CreateMessageParams, options?: InputRequestOptions): Promise<CreateMessageResult>;
  /** Ask the client for its roots. */
  listRoots(options?: InputRequestOptions): Promise<ListRootsResult>;
}

const SILENT = () => {};

/** The context handed to a handler; methods live on the prototype so a request allocates little. */
class RequestContext implements HandlerContext {
  readonly principal: Principal;
  readonly requestId: string | number | undefined;
  readonly meta: JsonObject;
  readonly #channel: RequestChannel;
  readonly #cancellation: Cancellation;
  #log: RequestLogger | undefined;

  constructor(
    channel: RequestChannel,
    principal: Principal,
    cancellation: Cancellation,
    requestId: string | number | undefined,
    meta: JsonObject,
  ) {
    this.#channel = channel;
    this.principal = principal;
    this.#cancellation = cancellation;
    this.requestId = requestId;
    this.meta = meta;
  }

  get signal(): AbortSignal {
    return this.#cancellation.signal;
  }

  get clientCapabilities(): JsonObject {
    return this.#channel.clientCapabilities;
  }

  get log(): RequestLogger {
    if (this.#log) return this.#log;
    const channel = this.#channel;
    const threshold = channel.logLevel === undefined ? -1 : LOG_LEVELS.indexOf(channel.logLevel);
    const log = {} as RequestLogger;
    for (const [rank, level] of LOG_LEVELS.entries()) {
      log[level] =
        threshold < 0 || rank < threshold
          ? SILENT
          : (data, logger) =>
              channel.notify(
                "notifications/message",
                logger ? { level, logger, data } : { level, data },
              );
    }
    this.#log = log;
    return log;
  }

  // Getters return functions bound to this request, so handlers may destructure the
  // context (`async (args, { progress }) => …`) without allocating them up front.
  get progress(): HandlerContext["progress"] {
    return async (progress, total, message) => {
      const token = this.meta["progressToken"] as string | number | undefined;
      if (token === undefined || this.#cancellation.aborted) return;
      const params: JsonObject = { progressToken: token, progress };
      if (total !== undefined) params["total"] = total;
      if (message !== undefined) params["message"] = message;
      this.#channel.notify("notifications/progress", params);
    };
  }

  get elicit(): HandlerContext["elicit"] {
    return (params, options) =>
      this.#channel.request(
        "elicitation/create",
        params as unknown as JsonObject,
        options?.key,
      ) as Promise<ElicitResult>;
  }

  get sample(): HandlerContext["sample"] {
    return (params, options) =>
      this.#channel.request(
        "sampling/createMessage",
        params as unknown as JsonObject,
        options?.key,
      ) as Promise<CreateMessageResult>;
  }

  get listRoots(): HandlerContext["listRoots"] {
    return (options) =>
      this.#channel.request("roots/list", {}, options?.key) as Promise<ListRootsResult>;
  }
}

/** Build the context handed to a handler. */
export function createContext(
  channel: RequestChannel,
  principal: Principal,
  cancellation: Cancellation,
  requestId: string | number | undefined,
  meta: JsonObject,
): HandlerContext {
  return new RequestContext(channel, principal, cancellation, requestId, meta);
}
