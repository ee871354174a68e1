import { InvalidParamsError } from "../errors.js";
import type { JsonObject } from "./types.js";

/**
 * Thrown inside a handler (by `ctx.elicit` / `ctx.sample` / `ctx.listRoots`) when the
 * 2026-07-28 codec must end the round trip and ask the client for input. Carries every
 * input request the handler made before it stopped.
 */
export class InputRequiredSignal extends Error {
  /** Input requests keyed by the id the client answers with. */
  readonly inputRequests: Record<string, { method: string; params: JsonObject }>;

  constructor(inputRequests: Record<string, { method: string; params: JsonObject }>) {
    super("The handler needs input from the client");
    this.name = "InputRequiredSignal";
    this.inputRequests = inputRequests;
  }
}

const CAPABILITY_OF: Record<string, string> = {
  "elicitation/create": "elicitation",
  "sampling/createMessage": "sampling",
  "roots/list": "roots",
};

/**
 * The client capability an input request needs that `capabilities` lacks, as a dotted
 * path (`elicitation.url` for URL-mode elicitation), or `undefined` when it is declared.
 */
export function missingCapability(
  method: string,
  params: JsonObject,
  capabilities: JsonObject,
): string | undefined {
  const name = CAPABILITY_OF[method] ?? method;
  const declared = capabilities[name];
  if (typeof declared !== "object" || declared === null) return name;
  if (method === "elicitation/create" && params["mode"] === "url") {
    const url = (declared as JsonObject)["url"];
    if (typeof url !== "object" || url === null) return `${name}.url`;
  }
  return undefined;
}

/** The capability name an input request method belongs to. */
export function capabilityOf(method: string): string {
  return CAPABILITY_OF[method] ?? method;
}

const ELICIT_ACTIONS = new Set(["accept", "decline", "cancel"]);

/**
 * Check the shape of a client's answer to an input request before a handler sees it;
 * throws {@link InvalidParamsError} (a protocol error, never a tool error).
 */
export function checkInputResponse(method: string, key: string, value: unknown): void {
  const where = `inputResponses.${key}`;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputResponseError(`Parameter '${where}' must be an object`);
  }
  const answer = value as JsonObject;
  if (method === "elicitation/create" && !ELICIT_ACTIONS.has(answer["action"] as string)) {
    throw new InvalidInputResponseError(
      `Parameter '${where}.action' must be accept, decline or cancel`,
    );
  }
  if (
    method === "sampling/createMessage" &&
    (typeof answer["content"] !== "object" || answer["content"] === null)
  ) {
    throw new InvalidInputResponseError(
      `Parameter '${where}.content' must be the sampled message content`,
    );
  }
  if (method === "roots/list" && !Array.isArray(answer["roots"])) {
    throw new InvalidInputResponseError(`Parameter '${where}.roots' must be an array`);
  }
}

/** A client's answer to an input request is malformed (-32602). */
export class InvalidInputResponseError extends InvalidParamsError {}
