import { checkInputResponse, InputRequiredSignal } from "../../engine/input-required.js";
import type { JsonObject } from "../../engine/types.js";
import { MissingClientCapabilityError } from "../../errors.js";

const CAPABILITY_OF: Record<string, string> = {
  "elicitation/create": "elicitation",
  "sampling/createMessage": "sampling",
  "roots/list": "roots",
};

/**
 * One round of a multi-round-trip request: answers input requests from the client's
 * `inputResponses` (and those carried in `requestState`), and collects the ones still
 * unanswered for an `input_required` result.
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
    const capability = CAPABILITY_OF[method] ?? method;
    if (this.#capabilities[capability] === undefined) {
      return Promise.reject(new MissingClientCapabilityError(capability));
    }
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
