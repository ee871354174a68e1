import {
  capabilityOf,
  checkInputResponse,
  InputRequiredSignal,
  missingCapability,
} from "../../engine/input-required.js";
import type { JsonObject } from "../../engine/types.js";
import { MissingClientCapabilityError } from "../../errors.js";

/**
 * One round of a multi-round-trip request: answers input requests from what the client
 * sent (and what earlier rounds' signed `requestState` carries), and collects the ones
 * still unanswered for an `input_required` result.
 */
export class InputRound {
  /** Input requests the handler made that have no answer yet, by key. */
  readonly pending: Record<string, { method: string; params: JsonObject }> = {};
  readonly #answers: Record<string, unknown>;
  readonly #capabilities: JsonObject;
  readonly #counters: Record<string, number> = {};

  constructor(answers: Record<string, unknown>, capabilities: JsonObject) {
    this.#answers = answers;
    this.#capabilities = capabilities;
  }

  /** Everything answered so far, to carry into the next round's `requestState`. */
  get answers(): Record<string, unknown> {
    return this.#answers;
  }

  /** The answer to an input request, or a rejection that ends this round. */
  request = (method: string, params: JsonObject, chosenKey?: string): Promise<unknown> => {
    const missing = missingCapability(method, params, this.#capabilities);
    if (missing) return Promise.reject(new MissingClientCapabilityError(missing));
    const capability = capabilityOf(method);
    this.#counters[capability] = (this.#counters[capability] ?? 0) + 1;
    const key = chosenKey ?? `${capability}-${this.#counters[capability]}`;
    if (key in this.#answers) {
      try {
        checkInputResponse(method, key, this.#answers[key]);
      } catch (error) {
        return Promise.reject(error);
      }
      return Promise.resolve(this.#answers[key]);
    }
    this.pending[key] = { method, params };
    return Promise.reject(new InputRequiredSignal(this.pending));
  };
}

/**
 * The answers a retry may use. Without a `requestState` (the first request) the client may
 * answer ahead of being asked. With one, only the questions the previous round asked may be
 * answered, and nothing answered in an earlier round may be changed: later questions can
 * depend on earlier answers, so an earlier answer must stay what the user saw.
 */
export function mergeAnswers(
  previous: { answers: Record<string, unknown>; asked: readonly string[] } | undefined,
  responses: Record<string, unknown>,
): Record<string, unknown> {
  if (!previous) return { ...responses };
  const merged = { ...previous.answers };
  for (const key of previous.asked) {
    if (key in responses && !(key in previous.answers)) merged[key] = responses[key];
  }
  return merged;
}
