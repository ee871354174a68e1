import type { IncomingMessage } from "node:http";
import type { Counter, Gauge, Histogram } from "prom-client";
import type { MountInfo } from "../plugin.js";

/** The HTTP metrics a {@link HttpSeries} fills. */
export interface HttpMetrics {
  readonly requests: Counter<"mount" | "method" | "status">;
  readonly duration: Histogram<"mount">;
  readonly inFlight: Gauge<"mount">;
  readonly authFailures: Counter<"mount" | "status">;
  readonly rateLimited: Counter<"mount">;
}

/** The label children of one mount ("" for requests to no mount). */
class MountSeries {
  readonly duration: Histogram.Internal<"mount">;
  readonly inFlight: Gauge.Internal<"mount">;
  /** By HTTP method, then status. */
  readonly #requests = new Map<string, Map<number, Counter.Internal>>();
  readonly #authFailures = new Map<number, Counter.Internal>();
  #rateLimited: Counter.Internal | undefined;
  readonly #metrics: HttpMetrics;
  readonly #mount: string;

  constructor(metrics: HttpMetrics, mount: string) {
    this.#metrics = metrics;
    this.#mount = mount;
    this.duration = metrics.duration.labels(mount);
    this.inFlight = metrics.inFlight.labels(mount);
  }

  /** Count a finished request. */
  finish(method: string, status: number): void {
    let byStatus = this.#requests.get(method);
    if (!byStatus) {
      byStatus = new Map();
      this.#requests.set(method, byStatus);
    }
    let counter = byStatus.get(status);
    if (!counter) {
      counter = this.#metrics.requests.labels(this.#mount, method, String(status));
      byStatus.set(status, counter);
    }
    counter.inc();
    if (status === 401 || status === 403) {
      let failures = this.#authFailures.get(status);
      if (!failures) {
        failures = this.#metrics.authFailures.labels(this.#mount, String(status));
        this.#authFailures.set(status, failures);
      }
      failures.inc();
    } else if (status === 429) {
      this.#rateLimited ??= this.#metrics.rateLimited.labels(this.#mount);
      this.#rateLimited.inc();
    }
  }
}

/**
 * The HTTP series of every mount, with their label children kept: a request costs a few
 * map lookups. Node's parser accepts only known HTTP methods, so the method label is
 * bounded; so is the mount, which comes from the host's configuration.
 */
export class HttpSeries {
  readonly #metrics: HttpMetrics;
  readonly #mounts = new Map<string, MountSeries>();

  constructor(metrics: HttpMetrics) {
    this.#metrics = metrics;
  }

  /** Start timing a request; returns what to call with its status when it has finished. */
  start(req: IncomingMessage, mount: MountInfo | undefined): (status: number) => void {
    const name = mount?.name ?? "";
    let series = this.#mounts.get(name);
    if (!series) {
      series = new MountSeries(this.#metrics, name);
      this.#mounts.set(name, series);
    }
    const started = performance.now();
    series.inFlight.inc();
    const method = req.method ?? "";
    const done = series;
    return (status) => {
      done.inFlight.dec();
      done.duration.observe((performance.now() - started) / 1000);
      done.finish(method, status);
    };
  }
}
