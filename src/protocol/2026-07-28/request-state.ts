import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { JsonObject } from "../../engine/types.js";
import { InvalidParamsError } from "../../errors.js";

/** What a signed `requestState` binds: the request it belongs to, who made it, and the answers so far. */
export interface RequestStatePayload {
  /** Method of the original request. */
  method: string;
  /** Tool or prompt name, or resource URI. */
  target: string;
  /** Digest of the original arguments. */
  digest: string;
  /** Subject of the principal, or "" for anonymous. */
  subject: string;
  /** Expiry, in milliseconds since the epoch. */
  expires: number;
  /** Input responses collected in earlier rounds, by input request key. */
  answers: Record<string, unknown>;
  /** Keys of the input requests the round that issued this state asked. */
  asked: string[];
}

/** JSON with object keys sorted, so equal values always serialize the same way. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as JsonObject)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Digest of request arguments, bound into the state so it cannot be replayed on other arguments. */
export function digestArguments(args: unknown): string {
  return createHash("sha256")
    .update(canonicalJson(args ?? {}))
    .digest("base64url")
    .slice(0, 22);
}

/**
 * Signs and verifies `requestState` with HMAC-SHA256, so a client cannot forge or alter
 * the answers a handler is re-run with.
 */
export class RequestStateSigner {
  readonly #secret: Buffer;
  readonly #lifetimeMs: number;

  constructor(secret: Buffer, lifetimeMs = 10 * 60_000) {
    if (secret.length < 32)
      throw new TypeError("The requestState secret must be at least 32 bytes");
    this.#secret = secret;
    this.#lifetimeMs = lifetimeMs;
  }

  /** Seal a payload (its expiry is set here). */
  sign(payload: Omit<RequestStatePayload, "expires">): string {
    const body = Buffer.from(
      JSON.stringify({ ...payload, expires: Date.now() + this.#lifetimeMs }),
    ).toString("base64url");
    return `${body}.${this.#mac(body)}`;
  }

  /** Open a state, checking its signature, expiry and binding to this request. */
  verify(
    state: unknown,
    expected: { method: string; target: string; digest: string; subject: string },
  ): RequestStatePayload {
    if (typeof state !== "string")
      throw new InvalidParamsError("Parameter 'requestState' must be a string");
    const dot = state.indexOf(".");
    const body = state.slice(0, dot);
    const mac = Buffer.from(state.slice(dot + 1));
    const wanted = Buffer.from(this.#mac(body));
    if (dot < 0 || mac.length !== wanted.length || !timingSafeEqual(mac, wanted)) {
      throw new InvalidParamsError(
        "Parameter 'requestState' was not issued by this server or was altered",
      );
    }
    const payload = JSON.parse(Buffer.from(body, "base64url").toString()) as RequestStatePayload;
    if (payload.expires < Date.now()) {
      throw new InvalidParamsError(
        "Parameter 'requestState' has expired; send the request again without it",
      );
    }
    if (
      payload.method !== expected.method ||
      payload.target !== expected.target ||
      payload.digest !== expected.digest ||
      payload.subject !== expected.subject
    ) {
      throw new InvalidParamsError("Parameter 'requestState' belongs to a different request");
    }
    return payload;
  }

  #mac(body: string): string {
    return createHmac("sha256", this.#secret).update(body).digest("base64url");
  }
}

/** Read `inputResponses`: an object keyed by input request id; -32602 otherwise. */
export function readInputResponses(responses: unknown): Record<string, unknown> {
  if (responses === undefined) return {};
  if (typeof responses !== "object" || responses === null || Array.isArray(responses)) {
    throw new InvalidParamsError(
      "Parameter 'inputResponses' must be an object keyed by input request id",
    );
  }
  return responses as Record<string, unknown>;
}
