import type { IncomingMessage } from "node:http";
import { performance } from "node:perf_hooks";
import { CancelledError } from "../errors.js";
import type { Principal } from "./context.js";
import { InputRequiredSignal } from "./input-required.js";
import type { JsonObject } from "./types.js";

/** What an observer learns about one engine call (tools/call, resources/read, …) before it runs. */
export interface CallStart {
  /** The server's name, as given to `createServer`. */
  readonly server: string;
  /** The MCP method, e.g. `tools/call`. */
  readonly method: string;
  /** The tool or prompt name, or the resource URI, for the methods that have one. */
  readonly name: string | undefined;
  /** The caller. */
  readonly principal: Principal;
  /** The request's params as sent (arguments included: redact before logging them). */
  readonly params: JsonObject;
  /**
   * The HTTP request that carried the call, when one did (the upgrade request of a
   * WebSocket). Observers find their per-request state through it, with no async context.
   */
  readonly httpRequest: IncomingMessage | undefined;
}

/**
 * How a call ended: `ok`; `tool_error` (a tools/call result with `isError`, which the model
 * sees); `input_required` (a 2026-07-28 multi-round-trip answer asking the client for
 * input); `cancelled`; `error` (a JSON-RPC error).
 */
export type CallOutcome = "ok" | "tool_error" | "input_required" | "cancelled" | "error";

/**
 * Called once when an observed call ends: its outcome, the error for `error` (undefined
 * otherwise), how long the call itself took in milliseconds (measured once for every
 * observer; 0 for a call refused before it ran) and the call. Since the call comes back,
 * an observer can return the same function for every call rather than a closure per call.
 */
export type CallEnd = (
  outcome: CallOutcome,
  error: unknown,
  durationMs: number,
  call: CallStart,
) => void;

/**
 * Watches engine calls, and may refuse them: metrics, logs, audit, traces and rate limits
 * are observers. `start` runs before the handler; throwing refuses the call with that error
 * (a `RateLimitedError`, say). It returns what to call when the call ends, or nothing.
 * A synchronous `start` costs no extra turn of the event loop.
 *
 * @example
 * const counting: CallObserver = {
 *   start: (call) => (outcome) => console.error(call.method, call.name, outcome),
 * };
 * createHttpEndpoint(server, { observer: counting });
 */
export interface CallObserver {
  start(call: CallStart): CallEnd | undefined | Promise<CallEnd | undefined>;
  /**
   * Runs the call's handler, once `start` has admitted it: an observer may run it inside a
   * context of its own (the tracing plugin makes the call's span the active one, so spans
   * the handler starts are its children). It must call `handler` once and return what it
   * returns. Without it, the handler is called directly.
   */
  run?(call: CallStart, handler: () => Promise<JsonObject>): Promise<JsonObject>;
}

/** Names read from params for {@link CallStart.name}, by method. */
const NAME_FIELD: Readonly<Record<string, string>> = {
  "tools/call": "name",
  "prompts/get": "name",
  "resources/read": "uri",
};

/** The outcome of a call that returned `result`. */
function outcomeOf(method: string, result: JsonObject): CallOutcome {
  if (method === "tools/call" && result["isError"] === true) return "tool_error";
  return "ok";
}

/** The outcome of a call that threw `error`. */
function failureOf(error: unknown): CallOutcome {
  if (error instanceof InputRequiredSignal) return "input_required";
  if (error instanceof CancelledError) return "cancelled";
  return "error";
}

/**
 * Several observers as one: started in order, ended in reverse order. When one refuses, the
 * ones already started see the call end with `error`. Stays synchronous while every
 * observer is.
 */
export function composeObservers(observers: readonly CallObserver[]): CallObserver | undefined {
  if (observers.length === 0) return undefined;
  if (observers.length === 1) return observers[0];
  const running = observers.filter((observer) => observer.run);
  const composed = new Composed(observers);
  return {
    // Runners nest in order: the first observer's context is the outermost.
    ...(running.length > 0 && {
      run(call: CallStart, handler: () => Promise<JsonObject>): Promise<JsonObject> {
        const at = (index: number): Promise<JsonObject> => {
          const observer = running[index];
          return observer?.run ? observer.run(call, () => at(index + 1)) : handler();
        };
        return at(0);
      },
    }),
    start: (call) => composed.start(call, 0, undefined),
  };
}

/** A call with the ends of a composition's observers kept on it, under the composition's key. */
type Ended = CallStart & Record<symbol, CallEnd[] | undefined>;

/**
 * The observers of one composition. When two or more of them have ends for a call, the
 * ends are kept on the call itself, and the composition's one `end` function (the same for
 * every call) finds them there: no closure per call.
 */
class Composed {
  readonly #observers: readonly CallObserver[];
  /** Where this composition keeps a call's ends (a composition may sit inside another). */
  readonly #key = Symbol("berth.observerEnds");

  constructor(observers: readonly CallObserver[]) {
    this.#observers = observers;
  }

  /** End every observer started for `call`, last started first. */
  readonly #end: CallEnd = (outcome, error, durationMs, call) => {
    const ends = (call as Ended)[this.#key];
    if (ends) endAll(ends, outcome, error, durationMs, call);
  };

  /**
   * Start the observers from `from` on, after the ones whose ends are in `ends`;
   * synchronous until one answers with a promise, and no list is made unless two or more
   * have ends.
   */
  start(
    call: CallStart,
    from: number,
    ends: CallEnd[] | undefined,
  ): CallEnd | undefined | Promise<CallEnd | undefined> {
    const observers = this.#observers;
    let only: CallEnd | undefined;
    for (let i = from; i < observers.length; i++) {
      let end: ReturnType<CallObserver["start"]>;
      try {
        end = observers[i]?.start(call);
      } catch (error) {
        endStarted(only, ends, error, call);
        throw error;
      }
      if (end instanceof Promise) {
        const started = ends ?? (only ? [only] : []);
        return end.then(
          (resolved) => {
            if (resolved) started.push(resolved);
            return this.start(call, i + 1, started);
          },
          (error: unknown) => {
            endAll(started, "error", error, 0, call);
            throw error;
          },
        );
      }
      if (!end) continue;
      if (ends) ends.push(end);
      else if (!only) only = end;
      else ends = [only, end];
    }
    if (!ends) return only;
    if (ends.length <= 1) return ends[0];
    (call as Ended)[this.#key] = ends;
    return this.#end;
  }
}

/** End, with `error`, the observers started before one refused. */
function endStarted(
  only: CallEnd | undefined,
  ends: CallEnd[] | undefined,
  error: unknown,
  call: CallStart,
): void {
  if (ends) endAll(ends, "error", error, 0, call);
  else only?.("error", error, 0, call);
}

/** Call every end, last started first. */
function endAll(
  ends: readonly CallEnd[],
  outcome: CallOutcome,
  error: unknown,
  durationMs: number,
  call: CallStart,
): void {
  for (let i = ends.length - 1; i >= 0; i--) ends[i]?.(outcome, error, durationMs, call);
}

/**
 * Run one engine call under an observer. Codecs call this around `dispatch`; without an
 * observer it is the call itself.
 */
export async function observeCall(
  observer: CallObserver | undefined,
  server: string,
  method: string,
  params: JsonObject,
  principal: Principal,
  httpRequest: IncomingMessage | undefined,
  run: () => Promise<JsonObject>,
): Promise<JsonObject> {
  if (!observer) return run();
  const field = NAME_FIELD[method];
  const value = field === undefined ? undefined : params[field];
  const call: CallStart = {
    server,
    method,
    name: typeof value === "string" ? value : undefined,
    principal,
    params,
    httpRequest,
  };
  const started = observer.start(call);
  const end = started instanceof Promise ? await started : started;
  const around = observer.run;
  const handler = around ? () => around.call(observer, call, run) : run;
  if (!end) return handler();
  const began = performance.now();
  let result: JsonObject;
  try {
    result = await handler();
  } catch (error) {
    end(failureOf(error), error, performance.now() - began, call);
    throw error;
  }
  end(outcomeOf(method, result), undefined, performance.now() - began, call);
  return result;
}
