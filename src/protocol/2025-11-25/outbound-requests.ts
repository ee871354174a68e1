import { randomBytes } from "node:crypto";
import type { JsonObject } from "../../engine/types.js";
import { BerthError, CancelledError, JsonRpcCode } from "../../errors.js";
import type { JsonRpcResponse, RequestId } from "../jsonrpc.js";

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Server-to-client requests of the legacy eras (elicitation, sampling, roots): ids that are
 * unique across sessions, and the promises waiting for the client's answers.
 */
export class OutboundRequests {
  readonly #pending = new Map<RequestId, Pending>();
  readonly #prefix = `berth-${randomBytes(6).toString("base64url")}-`;
  #next = 0;

  /** Send a request with `send` and wait for the answer routed to {@link resolve}. */
  request(
    method: string,
    params: JsonObject,
    send: (message: JsonObject) => void,
    signal: AbortSignal,
  ): Promise<unknown> {
    const id = `${this.#prefix}${++this.#next}`;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new CancelledError());
      const onAbort = () => {
        this.#pending.delete(id);
        reject(new CancelledError());
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (value) => {
          signal.removeEventListener("abort", onAbort);
          resolve(value);
        },
        reject: (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      });
      send({ jsonrpc: "2.0", id, method, params });
    });
  }

  /** Route a client's response; returns false when no request is waiting for it. */
  resolve(response: JsonRpcResponse): boolean {
    const pending = response.id === null ? undefined : this.#pending.get(response.id);
    if (!pending || response.id === null) return false;
    this.#pending.delete(response.id);
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
}
