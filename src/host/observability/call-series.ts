import type { CallOutcome, CallStart } from "../../engine/observer.js";
import { InvalidParamsError } from "../../errors.js";
import type {
  CounterChild,
  CounterSeries,
  HistogramChild,
  HistogramSeries,
} from "./fast-series.js";

/** Methods counted per tool or prompt name; others (resources/read's URI) get "". */
const NAMED = new Set(["tools/call", "prompts/get"]);

/** Most distinct names counted per server; any beyond count as `OTHER`. */
const NAME_LIMIT = 500;
const OTHER = "_other";

type CallLabels = "server" | "method" | "tool" | "outcome";
type DurationLabels = "server" | "method";

interface MethodSeries {
  readonly duration: HistogramChild<DurationLabels>;
  readonly byName: Map<string, Partial<Record<CallOutcome, CounterChild<CallLabels>>>>;
}

/**
 * The `berth_calls_total` and `berth_call_duration_seconds` series of one server, with
 * their label children kept so a call costs map lookups and arithmetic, not label hashing.
 * Names are bounded: a tool that does not exist counts as "" (clients choose what they ask
 * for), and past `NAME_LIMIT` distinct names the rest count as `_other`.
 */
export class CallSeries {
  readonly #calls: CounterSeries<CallLabels>;
  readonly #duration: HistogramSeries<DurationLabels>;
  readonly #server: string;
  readonly #methods = new Map<string, MethodSeries>();
  #names = 0;

  constructor(
    calls: CounterSeries<CallLabels>,
    duration: HistogramSeries<DurationLabels>,
    server: string,
  ) {
    this.#calls = calls;
    this.#duration = duration;
    this.#server = server;
  }

  /** Count one call that ended with `outcome` after `seconds`. */
  record(call: CallStart, outcome: CallOutcome, error: unknown, seconds: number): void {
    let series = this.#methods.get(call.method);
    if (!series) {
      const duration = this.#duration.child({ server: this.#server, method: call.method });
      series = { duration, byName: new Map() };
      this.#methods.set(call.method, series);
    }
    series.duration.observe(seconds);
    let name = nameOf(call, error);
    let outcomes = series.byName.get(name);
    if (!outcomes) {
      if (name !== "" && this.#names >= NAME_LIMIT) name = OTHER;
      else if (name !== "") this.#names++;
      outcomes = series.byName.get(name) ?? {};
      series.byName.set(name, outcomes);
    }
    let counter = outcomes[outcome];
    if (!counter) {
      counter = this.#calls.child({
        server: this.#server,
        method: call.method,
        tool: name,
        outcome,
      });
      outcomes[outcome] = counter;
    }
    counter.inc();
  }
}

/** The `tool` label of a call: its tool or prompt name when that exists on the server. */
function nameOf(call: CallStart, error: unknown): string {
  if (call.name === undefined || !NAMED.has(call.method)) return "";
  // The engine refuses an unknown tool or prompt with invalid params naming it.
  if (
    error instanceof InvalidParamsError &&
    (error.data as { name?: unknown } | undefined)?.name === call.name
  )
    return "";
  return call.name;
}
