/**
 * Every error Berth raises is a {@link BerthError} with a stable string `code`.
 * Protocol errors carry their JSON-RPC code; errors raised on HTTP carry a status.
 */

/** JSON-RPC 2.0 and MCP error codes used on the wire. */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  /** MCP: the resource does not exist. */
  ResourceNotFound: -32002,
  /** MCP 2026-07-28: an HTTP header is missing, malformed or does not match the body. */
  HeaderMismatch: -32020,
  /** MCP 2026-07-28: the request needs a client capability the client did not declare. */
  MissingRequiredClientCapability: -32021,
  /** MCP 2026-07-28: the protocol version is not supported. */
  UnsupportedProtocolVersion: -32022,
  /** Berth: the caller sent too many requests; `data.retryAfterSeconds` says when to retry. */
  RateLimited: -32029,
  /** Berth: the server is shutting down or overloaded; retry, on another replica if any. */
  Unavailable: -32030,
  /** The request or tool ran past its time limit (the code MCP SDKs use for request timeouts). */
  RequestTimeout: -32001,
} as const;

/** Options shared by every Berth error. */
export interface BerthErrorOptions {
  cause?: unknown;
  /** Extra data sent to the client in the JSON-RPC error's `data`. */
  data?: unknown;
  /** HTTP status used when the error ends an HTTP request. */
  status?: number;
}

/**
 * Base class of every Berth error.
 *
 * @example
 * if (error instanceof BerthError && error.code === "ERR_INVALID_PARAMS") …
 */
export class BerthError extends Error {
  /** Stable, machine-readable identifier. */
  readonly code: string;
  /** JSON-RPC error code sent to the client. */
  readonly rpcCode: number;
  /** HTTP status when this error ends an HTTP request. */
  readonly status: number;
  /** JSON-RPC error `data`. */
  readonly data: unknown;

  constructor(code: string, rpcCode: number, message: string, options: BerthErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.rpcCode = rpcCode;
    this.status = options.status ?? 400;
    this.data = options.data;
  }
}

/** The body is not valid JSON (-32700). */
export class ParseError extends BerthError {
  constructor(message = "Parse error: the body is not valid JSON", options?: BerthErrorOptions) {
    super("ERR_PARSE", JsonRpcCode.ParseError, message, options);
  }
}

/** The message is not a valid JSON-RPC request (-32600). */
export class InvalidRequestError extends BerthError {
  constructor(message: string, options?: BerthErrorOptions) {
    super("ERR_INVALID_REQUEST", JsonRpcCode.InvalidRequest, message, options);
  }
}

/** The method is unknown or not offered by this server (-32601). */
export class MethodNotFoundError extends BerthError {
  constructor(method: string, options?: BerthErrorOptions) {
    super("ERR_METHOD_NOT_FOUND", JsonRpcCode.MethodNotFound, `Method not found: ${method}`, {
      status: 404,
      ...options,
    });
  }
}

/** The params are invalid; the message names the failing field (-32602). */
export class InvalidParamsError extends BerthError {
  constructor(message: string, options?: BerthErrorOptions) {
    super("ERR_INVALID_PARAMS", JsonRpcCode.InvalidParams, message, options);
  }
}

/** A resource URI matches no resource or template (-32002 in legacy eras, -32602 from 2026-07-28). */
export class ResourceNotFoundError extends BerthError {
  constructor(uri: string, options?: BerthErrorOptions) {
    super("ERR_RESOURCE_NOT_FOUND", JsonRpcCode.ResourceNotFound, `Resource not found: ${uri}`, {
      data: { uri },
      status: 404,
      ...options,
    });
  }
}

/** Something failed inside the server (-32603). The message is safe to show. */
export class InternalError extends BerthError {
  constructor(message = "Internal error", options?: BerthErrorOptions) {
    super("ERR_INTERNAL", JsonRpcCode.InternalError, message, { status: 500, ...options });
  }
}

/** An HTTP-level refusal (bad headers, size, media type, host) with its status. */
export class HttpError extends BerthError {
  constructor(
    code: string,
    status: number,
    rpcCode: number,
    message: string,
    options?: BerthErrorOptions,
  ) {
    super(code, rpcCode, message, { ...options, status });
  }
}

/** The request was cancelled by the client or the connection closed. */
export class CancelledError extends BerthError {
  constructor(reason = "Request cancelled", options?: BerthErrorOptions) {
    super("ERR_CANCELLED", JsonRpcCode.InternalError, reason, options);
  }
}

/** Convert anything thrown into a {@link BerthError}, hiding internals of unknown errors. */
export function toBerthError(error: unknown): BerthError {
  if (error instanceof BerthError) return error;
  return new InternalError("Internal error", { cause: error });
}

/** An MCP HTTP header is missing or does not match the body (-32020, HTTP 400). */
export class HeaderMismatchError extends BerthError {
  constructor(message: string, options?: BerthErrorOptions) {
    super("ERR_HEADER_MISMATCH", JsonRpcCode.HeaderMismatch, message, options);
  }
}

/** The requested protocol version is not supported (-32022, HTTP 400). */
export class UnsupportedProtocolVersionError extends BerthError {
  constructor(requested: unknown, supported: readonly string[], options?: BerthErrorOptions) {
    super(
      "ERR_UNSUPPORTED_PROTOCOL_VERSION",
      JsonRpcCode.UnsupportedProtocolVersion,
      "Unsupported protocol version",
      {
        data: { supported, requested },
        ...options,
      },
    );
  }
}

/**
 * The handler needs a client capability the request did not declare (-32021, HTTP 400).
 * `capability` is a dotted path such as `sampling` or `elicitation.url`.
 */
export class MissingClientCapabilityError extends BerthError {
  constructor(capability: string, options?: BerthErrorOptions) {
    const required: Record<string, unknown> = {};
    let at = required;
    for (const part of capability.split(".")) {
      const next: Record<string, unknown> = {};
      at[part] = next;
      at = next;
    }
    super(
      "ERR_MISSING_CLIENT_CAPABILITY",
      JsonRpcCode.MissingRequiredClientCapability,
      `Server requires the ${capability} capability for this request`,
      { data: { requiredCapabilities: required }, ...options },
    );
  }
}

/** Credentials are missing, malformed, unknown, expired or revoked (HTTP 401). */
export class UnauthorizedError extends BerthError {
  /** OAuth error code for the challenge (`invalid_token`), absent when no credentials came. */
  readonly oauthError: "invalid_token" | "invalid_request" | undefined;

  constructor(
    message: string,
    oauthError?: "invalid_token" | "invalid_request",
    options?: BerthErrorOptions,
  ) {
    super("ERR_UNAUTHORIZED", JsonRpcCode.InvalidRequest, message, { status: 401, ...options });
    this.oauthError = oauthError;
  }
}

/**
 * Too many requests from this caller, key, address or for this tool (HTTP 429,
 * `Retry-After`). Clients show the message and may retry after `retryAfterSeconds`.
 */
export class RateLimitedError extends BerthError {
  /** Whole seconds until a retry can succeed (at least 1). */
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds: number, options?: BerthErrorOptions) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super("ERR_RATE_LIMITED", JsonRpcCode.RateLimited, message, {
      status: 429,
      data: { retryAfterSeconds: seconds },
      ...options,
    });
    this.retryAfterSeconds = seconds;
  }
}

/**
 * The server cannot take the request now: it is shutting down, or the caller has too many
 * requests in flight (HTTP 503, `Retry-After`). Safe to retry.
 */
export class UnavailableError extends BerthError {
  /** Whole seconds after which a retry is reasonable (at least 1). */
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterSeconds = 1, options?: BerthErrorOptions) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super("ERR_UNAVAILABLE", JsonRpcCode.Unavailable, message, {
      status: 503,
      data: { retryAfterSeconds: seconds },
      ...options,
    });
    this.retryAfterSeconds = seconds;
  }
}

/** `Retry-After` for a refusal that says when to retry (429, 503); undefined otherwise. */
export function retryAfterHeader(failure: BerthError): Record<string, string> | undefined {
  return failure instanceof RateLimitedError || failure instanceof UnavailableError
    ? { "retry-after": String(failure.retryAfterSeconds) }
    : undefined;
}

/** The caller is authenticated but lacks scopes the operation needs (HTTP 403). */
export class InsufficientScopeError extends BerthError {
  /** Every scope the operation needs, granted or not. */
  readonly requiredScopes: readonly string[];

  constructor(what: string, requiredScopes: readonly string[], options?: BerthErrorOptions) {
    super(
      "ERR_INSUFFICIENT_SCOPE",
      JsonRpcCode.InvalidRequest,
      `Insufficient scope: ${what} needs ${requiredScopes.join(" ")}; authorize again with these scopes`,
      { status: 403, data: { error: "insufficient_scope", requiredScopes }, ...options },
    );
    this.requiredScopes = requiredScopes;
  }
}

/**
 * A tool or request ran past its time limit (`timeoutMs` of the tool, `requestTimeoutMs` of
 * the HTTP endpoint): the handler's `ctx.signal` fired with this error and the client got it
 * as a JSON-RPC error (-32001). Over HTTP it travels like any JSON-RPC error, in a 200
 * response; `status` 504 applies only where it ends a request on its own.
 */
export class TimeoutError extends BerthError {
  /** The limit that was reached, in milliseconds. */
  readonly timeoutMs: number;

  constructor(message: string, timeoutMs: number, options?: BerthErrorOptions) {
    super("ERR_TIMEOUT", JsonRpcCode.RequestTimeout, message, {
      status: 504,
      data: { timeoutMs },
      ...options,
    });
    this.timeoutMs = timeoutMs;
  }
}
