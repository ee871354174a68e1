import type { Aggregator, Metric, Registry, RegistryContentType } from "prom-client";

/** A prom-client registry of either exposition format. */
export type AnyRegistry = Registry<RegistryContentType>;

/** A series' name, help text and label names (in the order the output shows them). */
export interface SeriesConfig<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly L[];
}

/** One label set of a series: a value for every label name. */
export type LabelSet<L extends string> = Readonly<Record<L, string>>;

/** One sample as prom-client's registry prints it. */
interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

/** What a metric's `get()` resolves to, as prom-client's own metrics answer it. */
interface Scraped {
  readonly name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: Aggregator;
  readonly values: Sample[];
}

/**
 * A metric whose label children are plain objects of numbers: an update is arithmetic on a
 * child the caller keeps, with no label hashing. The series registers itself in a
 * prom-client `Registry`, which reads it at scrape time through `get()`, the way it reads
 * its own metrics. Children live as long as the series; `reset()` zeroes them in place.
 */
abstract class Series<L extends string, C extends { readonly labels: LabelSet<L> }> {
  /** The metric's name. */
  name: string;
  /** The metric's help text. */
  readonly help: string;
  /** The Prometheus type printed in `# TYPE`. */
  abstract readonly type: "counter" | "gauge" | "histogram";
  /** How a cluster's `AggregatorRegistry` merges workers' values. */
  readonly aggregator: Aggregator = "sum";
  readonly #labelNames: readonly L[];
  readonly #children = new Map<string, C>();

  constructor(registry: AnyRegistry, config: SeriesConfig<L>) {
    this.name = config.name;
    this.help = config.help;
    this.#labelNames = config.labelNames;
    // The registry only reads name, help, type, aggregator, get() and reset().
    registry.registerMetric(this as unknown as Metric);
  }

  /** The child of a label set, created on first use; keep it and update it directly. */
  child(labels: LabelSet<L>): C {
    const ordered = {} as Record<L, string>;
    for (const name of this.#labelNames) ordered[name] = labels[name];
    const key = JSON.stringify(Object.values(ordered));
    let child = this.#children.get(key);
    if (!child) {
      child = this.create(ordered);
      this.#children.set(key, child);
    }
    return child;
  }

  /** A new child for `labels`, in label-name order. */
  protected abstract create(labels: LabelSet<L>): C;

  /** The samples of one child. */
  protected abstract samples(child: C, into: Sample[]): void;

  /** Zero one child. */
  protected abstract zero(child: C): void;

  /** The metric as prom-client's registry reads it at scrape time. */
  async get(): Promise<Scraped> {
    const values: Sample[] = [];
    for (const child of this.#children.values()) this.samples(child, values);
    const { name, help, type, aggregator } = this;
    return { name, help, type, aggregator, values };
  }

  /** Zero every child (prom-client's `registry.resetMetrics()`). */
  reset(): void {
    for (const child of this.#children.values()) this.zero(child);
  }
}

/** One label set of a {@link CounterSeries}. */
export class CounterChild<L extends string = string> {
  /** The count. */
  value = 0;
  constructor(readonly labels: LabelSet<L>) {}
  /** Add one. */
  inc(): void {
    this.value++;
  }
}

/** A Prometheus counter with plain-number children. */
export class CounterSeries<L extends string> extends Series<L, CounterChild<L>> {
  readonly type = "counter";
  protected create(labels: LabelSet<L>): CounterChild<L> {
    return new CounterChild(labels);
  }
  protected samples(child: CounterChild<L>, into: Sample[]): void {
    into.push({ value: child.value, labels: child.labels });
  }
  protected zero(child: CounterChild<L>): void {
    child.value = 0;
  }
}

/** One label set of a {@link GaugeSeries}. */
export class GaugeChild<L extends string = string> {
  /** The current value. */
  value = 0;
  constructor(readonly labels: LabelSet<L>) {}
  /** Add one. */
  inc(): void {
    this.value++;
  }
  /** Take one away. */
  dec(): void {
    this.value--;
  }
}

/** A Prometheus gauge with plain-number children. */
export class GaugeSeries<L extends string> extends Series<L, GaugeChild<L>> {
  readonly type = "gauge";
  protected create(labels: LabelSet<L>): GaugeChild<L> {
    return new GaugeChild(labels);
  }
  protected samples(child: GaugeChild<L>, into: Sample[]): void {
    into.push({ value: child.value, labels: child.labels });
  }
  protected zero(child: GaugeChild<L>): void {
    child.value = 0;
  }
}

/** One label set of a {@link HistogramSeries}: per-bucket (not cumulative) counts, sum, count. */
export class HistogramChild<L extends string = string> {
  /** Observations in each bucket alone, by index of its upper bound. */
  readonly buckets: Float64Array;
  /** The sum of all observations. */
  sum = 0;
  /** How many observations (those above the last bound included). */
  count = 0;
  readonly #bounds: Float64Array;

  constructor(
    readonly labels: LabelSet<L>,
    bounds: Float64Array,
  ) {
    this.#bounds = bounds;
    this.buckets = new Float64Array(bounds.length);
  }

  /** Count one observation; non-finite values are ignored. */
  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    const bounds = this.#bounds;
    const last = bounds.length;
    let i = 0;
    while (i < last && value > bounds[i]!) i++;
    if (i < last) this.buckets[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** {@link SeriesConfig} of a histogram: with its buckets' upper bounds, ascending. */
export interface HistogramConfig<L extends string> extends SeriesConfig<L> {
  readonly buckets: readonly number[];
}

/**
 * A Prometheus histogram with plain-number children, printed as prom-client prints its own:
 * cumulative `_bucket` samples with `le` first (`+Inf` equal to the count), `_sum`, `_count`.
 */
export class HistogramSeries<L extends string> extends Series<L, HistogramChild<L>> {
  readonly type = "histogram";
  readonly #bounds: Float64Array;

  constructor(registry: AnyRegistry, config: HistogramConfig<L>) {
    const { buckets } = config;
    if (buckets.some((bound, i) => !Number.isFinite(bound) || (i > 0 && bound <= buckets[i - 1]!)))
      throw new Error(`The buckets of ${config.name} must be finite and ascending`);
    super(registry, config);
    this.#bounds = Float64Array.from(buckets);
  }

  protected create(labels: LabelSet<L>): HistogramChild<L> {
    return new HistogramChild(labels, this.#bounds);
  }

  protected samples(child: HistogramChild<L>, into: Sample[]): void {
    const bucket = `${this.name}_bucket`;
    const { labels } = child;
    let cumulative = 0;
    for (let i = 0; i < this.#bounds.length; i++) {
      cumulative += child.buckets[i]!;
      into.push({
        value: cumulative,
        labels: { le: this.#bounds[i]!, ...labels },
        metricName: bucket,
      });
    }
    into.push({ value: child.count, labels: { le: "+Inf", ...labels }, metricName: bucket });
    into.push({ value: child.sum, labels: { ...labels }, metricName: `${this.name}_sum` });
    into.push({ value: child.count, labels: { ...labels }, metricName: `${this.name}_count` });
  }

  protected zero(child: HistogramChild<L>): void {
    child.buckets.fill(0);
    child.sum = 0;
    child.count = 0;
  }
}
