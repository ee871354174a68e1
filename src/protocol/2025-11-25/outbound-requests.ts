import { randomBytes } from "node:crypto";
import type { JsonObject } from "../../engine/types.js";
import { BerthError, CancelledError, JsonRpcCode } from "../../errors.js";
import type { JsonRpcResponse, RequestId } from "../jsonrpc.js";

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** The client did not answer a server-to-client request in time. */
export class ClientRequestTimeoutError extends BerthError {
  constructor(method: string, ms: number) {
    super(
      "ERR_CLIENT_TIMEOUT",
      JsonRpcCode.InternalError,
      `The client did not answer ${method} within ${ms} ms`,
    );
  }
}

/**
 * Server-to-client requests of one legacy session (elicitation, sampling, roots): their
 * unguessable ids, and the promises waiting for the client's answers. Each session owns
 * its own, so no other client can answer them.
 */
export class OutboundRequests {
  readonly #pending = new Map<RequestId, Pending>();
  readonly #timeoutMs: number;

  /** `timeoutMs`: how long to wait for an answer (default 10 minutes). */
  constructor(timeoutMs = 10 * 60_000) {
    this.#timeoutMs = timeoutMs;
  }

  /** Number of requests waiting for an answer. */
  get size(): number {
    return this.#pending.size;
  }

  /** Send a request with `send` and wait for the answer routed to {@link resolve}. */
  request(
    method: string,
    params: JsonObject,
    send: (message: JsonObject) => void,
    signal: AbortSignal,
  ): Promise<unknown> {
    const id = `berth-${randomBytes(12).toString("base64url")}`;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new CancelledError());
      const settle = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.#pending.delete(id);
      };
      const onAbort = () => {
        settle();
        reject(new CancelledError());
      };
      const timer = setTimeout(() => {
        settle();
        reject(new ClientRequestTimeoutError(method, this.#timeoutMs));
      }, this.#timeoutMs);
      timer.unref();
      signal.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (value) => {
          settle();
          resolve(value);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      try {
        send({ jsonrpc: "2.0", id, method, params });
      } catch (error) {
        this.#pending.get(id)?.reject(error);
      }
    });
  }

  /** Route a client's response; returns false when no request of this session waits for it. */
  resolve(response: JsonRpcResponse): boolean {
    const pending = response.id === null ? undefined : this.#pending.get(response.id);
    if (!pending) return false;
    if (response.error) {
      pending.reject(
        new BerthError(
          "ERR_CLIENT_REJECTED",
          response.error.code ?? JsonRpcCode.InternalError,
          response.error.message,
          {
            data: response.error.data,
          },
        ),
      );
    } else {
      pending.resolve(response.result ?? {});
    }
    return true;
  }

  /** Fail every waiting request (the session ended). */
  rejectAll(): void {
    for (const pending of [...this.#pending.values()])
      pending.reject(new CancelledError("Session closed"));
  }
}
