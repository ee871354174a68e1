import type { IncomingMessage, ServerResponse } from "node:http";
import { Cancellation } from "../../engine/cancellation.js";
import type { Principal } from "../../engine/context.js";
import type { Server } from "../../engine/server.js";
import {
  InsufficientScopeError,
  InvalidRequestError,
  JsonRpcCode,
  toBerthError,
} from "../../errors.js";
import type { ModernCodec } from "../../protocol/2026-07-28/codec.js";
import { listen } from "../../protocol/2026-07-28/listen.js";
import {
  type ClientMessage,
  errorResponse,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from "../../protocol/jsonrpc.js";
import type { Refusal } from "./legacy.js";
import { checkModernHeaders } from "./modern-headers.js";
import { Reply } from "./reply.js";
import { writeAccepted, writeError } from "./respond.js";
import { keepAlive, SSE_HEADERS, writeEvent } from "./sse.js";

/** HTTP status of a 2026-07-28 error response by JSON-RPC code, where it is not the codec's. */
export const STATUS_OF: Record<number, number> = {
  [JsonRpcCode.MethodNotFound]: 404,
  [JsonRpcCode.HeaderMismatch]: 400,
  [JsonRpcCode.MissingRequiredClientCapability]: 400,
  [JsonRpcCode.UnsupportedProtocolVersion]: 400,
};

/**
 * The HTTP status and headers of a JSON-RPC error that refuses a request rather than
 * answering it: 429 or 503 with `Retry-After` for rate limits and unavailability, 403 with
 * `challenge`'s header for insufficient scope (only when there is a `challenge`, that is,
 * authorization). Undefined for other errors.
 */
export function refusalOf(
  error: JsonRpcResponse["error"],
  challenge: ((refusal: InsufficientScopeError) => Record<string, string> | undefined) | undefined,
): { status: number; headers: Record<string, string> } | undefined {
  if (!error) return undefined;
  if (error.code === JsonRpcCode.RateLimited || error.code === JsonRpcCode.Unavailable) {
    const after = (error.data as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    return {
      status: error.code === JsonRpcCode.RateLimited ? 429 : 503,
      headers: typeof after === "number" ? { "retry-after": String(after) } : {},
    };
  }
  const data = error.data as { error?: string; requiredScopes?: string[] } | undefined;
  if (!challenge || data?.error !== "insufficient_scope") return undefined;
  const refusal = new InsufficientScopeError("this operation", data.requiredScopes ?? []);
  return { status: 403, headers: challenge(refusal) ?? {} };
}

/** Shared state of the 2026-07-28 side of the endpoint. */
export interface ModernEndpoint {
  readonly server: Server;
  readonly codec: ModernCodec;
  readonly keepAliveMs: number;
  /** HTTP status and headers for a response that refuses the caller (insufficient scope). */
  readonly refusal: Refusal;
  /** Open listen streams, ended gracefully on close. */
  readonly listeners: Set<{ end(): void }>;
}

/** Serve one 2026-07-28 POST. */
export async function serveModern(
  endpoint: ModernEndpoint,
  req: IncomingMessage,
  res: ServerResponse,
  incoming: ClientMessage,
  principal: Principal,
): Promise<void> {
  if (incoming.kind === "response") {
    throw new InvalidRequestError(
      "Invalid request: clients do not send responses in protocol 2026-07-28",
    );
  }
  checkModernHeaders(req, incoming.message, endpoint.server);
  if (incoming.kind === "notification") {
    writeAccepted(res);
    return;
  }
  const request = incoming.message;
  if (request.method === "subscriptions/listen") {
    openListen(endpoint, request, res);
    return;
  }
  // Closing the response is the 2026-07-28 way to cancel a request.
  const cancellation = new Cancellation();
  const reply = new Reply(res, {
    onDisconnect: () => cancellation.abort(new Error("Client disconnected")),
  });
  const streams = (req.headers.accept ?? "").includes("text/event-stream");
  const { response, status } = await endpoint.codec.handle(
    request,
    principal,
    cancellation,
    streams ? (message) => reply.send(message) : undefined,
    req,
  );
  if (cancellation.aborted) return;
  const refusal = endpoint.refusal(response, req);
  if (refusal) {
    reply.finish(response as unknown as Record<string, unknown>, refusal.status, refusal.headers);
    return;
  }
  const code = response.error?.code;
  reply.finish(
    response as unknown as Record<string, unknown>,
    code === undefined ? 200 : (STATUS_OF[code] ?? status),
  );
}

function openListen(endpoint: ModernEndpoint, request: JsonRpcRequest, res: ServerResponse): void {
  let started = false;
  const send = (message: Record<string, unknown>) => {
    if (!started) {
      started = true;
      res.writeHead(200, SSE_HEADERS);
    }
    writeEvent(res, message);
  };
  let subscription: ReturnType<typeof listen>;
  try {
    subscription = listen(endpoint.server, request, send);
  } catch (error) {
    const failure = toBerthError(error);
    if (started) {
      writeEvent(res, errorResponse(request.id, failure) as unknown as Record<string, unknown>);
      res.end();
    } else writeError(res, failure, request.id);
    return;
  }
  const stopKeepAlive = keepAlive(res, endpoint.keepAliveMs);
  const entry = {
    end() {
      stopKeepAlive();
      subscription.end();
      res.end();
    },
  };
  endpoint.listeners.add(entry);
  res.once("close", () => {
    stopKeepAlive();
    subscription.close();
    endpoint.listeners.delete(entry);
  });
}
