import type { IncomingMessage } from "node:http";
import type { MountInfo } from "../plugin.js";
import type {
  CounterChild,
  CounterSeries,
  GaugeChild,
  GaugeSeries,
  HistogramChild,
  HistogramSeries,
} from "./fast-series.js";

/** The HTTP metrics a {@link HttpSeries} fills. */
export interface HttpMetrics {
  readonly requests: CounterSeries<"mount" | "method" | "status">;
  readonly duration: HistogramSeries<"mount">;
  readonly inFlight: GaugeSeries<"mount">;
  readonly authFailures: CounterSeries<"mount" | "status">;
  readonly rateLimited: CounterSeries<"mount">;
}

/** The label children of one mount ("" for requests to no mount). */
class MountSeries {
  readonly inFlight: GaugeChild;
  /** Made at the first finished request, as prom-client made its series. */
  #duration: HistogramChild | undefined;
  /** By HTTP method, then status. */
  readonly #requests = new Map<string, Map<number, CounterChild>>();
  readonly #authFailures = new Map<number, CounterChild>();
  #rateLimited: CounterChild | undefined;
  readonly #metrics: HttpMetrics;
  readonly #mount: string;

  constructor(metrics: HttpMetrics, mount: string) {
    this.#metrics = metrics;
    this.#mount = mount;
    this.inFlight = metrics.inFlight.child({ mount });
  }

  /** Count a request (`req`) that finished with `status` after `durationMs`; one function per mount. */
  readonly end = (status: number, durationMs: number, req: IncomingMessage): void => {
    this.inFlight.dec();
    this.finish(req.method ?? "", status, durationMs / 1000);
  };

  /** Count a request that finished with `status` after `seconds`. */
  finish(method: string, status: number, seconds: number): void {
    this.#duration ??= this.#metrics.duration.child({ mount: this.#mount });
    this.#duration.observe(seconds);
    let byStatus = this.#requests.get(method);
    if (!byStatus) {
      byStatus = new Map();
      this.#requests.set(method, byStatus);
    }
    let counter = byStatus.get(status);
    if (!counter) {
      const labels = { mount: this.#mount, method, status: String(status) };
      counter = this.#metrics.requests.child(labels);
      byStatus.set(status, counter);
    }
    counter.inc();
    if (status === 401 || status === 403) {
      let failures = this.#authFailures.get(status);
      if (!failures) {
        failures = this.#metrics.authFailures.child({ mount: this.#mount, status: String(status) });
        this.#authFailures.set(status, failures);
      }
      failures.inc();
    } else if (status === 429) {
      this.#rateLimited ??= this.#metrics.rateLimited.child({ mount: this.#mount });
      this.#rateLimited.inc();
    }
  }
}

/**
 * The HTTP series of every mount, with their label children kept: a request costs a few
 * map lookups and additions. Node's parser accepts only known HTTP methods, so the method
 * label is bounded; so is the mount, which comes from the host's configuration.
 */
export class HttpSeries {
  readonly #metrics: HttpMetrics;
  readonly #mounts = new Map<string, MountSeries>();

  constructor(metrics: HttpMetrics) {
    this.#metrics = metrics;
  }

  /**
   * Count a request to `mount` in flight; returns what to call with its status, duration
   * and request when it has finished (the same function for every request to the mount).
   */
  start(
    mount: MountInfo | undefined,
  ): (status: number, durationMs: number, req: IncomingMessage) => void {
    const name = mount?.name ?? "";
    let series = this.#mounts.get(name);
    if (!series) {
      series = new MountSeries(this.#metrics, name);
      this.#mounts.set(name, series);
    }
    series.inFlight.inc();
    return series.end;
  }
}
