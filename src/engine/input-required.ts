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
