import parse from "parse-prometheus-text-format";
import { Counter, Gauge, Histogram, type OpenMetricsContentType, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import {
  CounterSeries,
  GaugeSeries,
  HistogramSeries,
} from "../../../src/host/observability/fast-series.js";

const BUCKETS = [0.01, 0.1, 1];

function histogramSeries(registry = new Registry()) {
  const series = new HistogramSeries(registry, {
    name: "t_seconds",
    help: "Test durations",
    labelNames: ["mount", "method"] as const,
    buckets: BUCKETS,
  });
  return { registry, series };
}

/** The value of the text line starting with `prefix` (labels included). */
function line(text: string, prefix: string): number | undefined {
  const found = text.split("\n").find((l) => l.startsWith(`${prefix} `));
  return found === undefined ? undefined : Number(found.slice(prefix.length + 1));
}

describe("HistogramSeries", () => {
  it("prints cumulative buckets, +Inf equal to the count, and the sum", async () => {
    const { registry, series } = histogramSeries();
    const child = series.child({ mount: "calc", method: "POST" });
    // Bounds are inclusive: 0.1 goes in le="0.1"; 5 only in +Inf.
    for (const value of [0.005, 0.01, 0.05, 0.1, 0.5, 5]) child.observe(value);
    const text = await registry.metrics();
    const bucket = (le: string) =>
      line(text, `t_seconds_bucket{le="${le}",mount="calc",method="POST"}`);
    expect([bucket("0.01"), bucket("0.1"), bucket("1"), bucket("+Inf")]).toEqual([2, 4, 5, 6]);
    expect(line(text, 't_seconds_count{mount="calc",method="POST"}')).toBe(6);
    expect(line(text, 't_seconds_sum{mount="calc",method="POST"}')).toBeCloseTo(5.665, 10);
    expect(text).toContain("# TYPE t_seconds histogram");
    expect(text).toContain("# HELP t_seconds Test durations");
  });

  it("prints exactly what prom-client's own histogram prints, as text and as JSON", async () => {
    const ours = histogramSeries();
    const theirs = new Registry();
    const reference = new Histogram({
      name: "t_seconds",
      help: "Test durations",
      labelNames: ["mount", "method"] as const,
      buckets: BUCKETS,
      registers: [theirs],
    });
    const values = [0, 0.003, 0.01, 0.02, 0.7, 1, 1.5, 40, 0.099];
    for (const [i, value] of values.entries()) {
      const labels = { method: i % 2 ? "GET" : "POST", mount: i % 3 ? "a" : "" };
      ours.series.child(labels).observe(value);
      reference.labels(labels.mount, labels.method).observe(value);
    }
    expect(await ours.registry.metrics()).toBe(await theirs.metrics());
    const strip = (json: unknown) =>
      JSON.parse(JSON.stringify(json, (key, value) => (key === "exemplar" ? undefined : value)));
    expect(strip(await ours.registry.getMetricsAsJSON())).toEqual(
      strip(await theirs.getMetricsAsJSON()),
    );
  });

  it("keeps one child per label set, in label-name order, and zeroes it on reset", async () => {
    const { registry, series } = histogramSeries();
    const first = series.child({ method: "POST", mount: "calc" });
    expect(series.child({ mount: "calc", method: "POST" })).toBe(first);
    expect(series.child({ mount: "calc", method: "GET" })).not.toBe(first);
    first.observe(0.5);
    first.observe(Number.NaN);
    expect(first.count).toBe(1);
    registry.resetMetrics();
    expect([first.count, first.sum, [...first.buckets]]).toEqual([0, 0, [0, 0, 0]]);
    first.observe(2);
    expect(line(await registry.metrics(), 't_seconds_count{mount="calc",method="POST"}')).toBe(1);
  });

  it("refuses buckets out of order, and a name the registry already has", () => {
    const registry = new Registry();
    const config = { name: "x_seconds", help: "x", labelNames: [] as const };
    expect(() => new HistogramSeries(registry, { ...config, buckets: [1, 0.5] })).toThrow(
      /ascending/,
    );
    new HistogramSeries(registry, { ...config, buckets: [1] });
    expect(() => new HistogramSeries(registry, { ...config, buckets: [1] })).toThrow(
      /already been registered/,
    );
  });
});

describe("CounterSeries and GaugeSeries", () => {
  it("count per label set, and print as prom-client's own metrics", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const labelNames = ["mount", "status"] as const;
    const counter = new CounterSeries(ours, { name: "t_total", help: "Things", labelNames });
    const gauge = new GaugeSeries(ours, { name: "t_open", help: "Open", labelNames });
    const refCounter = new Counter({
      name: "t_total",
      help: "Things",
      labelNames,
      registers: [theirs],
    });
    const refGauge = new Gauge({ name: "t_open", help: "Open", labelNames, registers: [theirs] });
    const sent = [
      ["calc", "200"],
      ["calc", "401"],
      ["fs", "200"],
      ["calc", "200"],
      ["calc", "200"],
    ] as const;
    for (const [mount, status] of sent) {
      counter.child({ mount, status }).inc();
      refCounter.labels(mount, status).inc();
      gauge.child({ mount, status }).inc();
      refGauge.labels(mount, status).inc();
    }
    gauge.child({ mount: "calc", status: "200" }).dec();
    refGauge.labels("calc", "200").dec();

    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    const families = parse(text);
    const values = (name: string) =>
      families
        .find((f) => f.name === name)!
        .metrics.map((m) => [m.labels?.["mount"], m.labels?.["status"], Number(m.value)]);
    expect(values("t_total")).toEqual([
      ["calc", "200", 3],
      ["calc", "401", 1],
      ["fs", "200", 1],
    ]);
    expect(values("t_open")).toEqual([
      ["calc", "200", 2],
      ["calc", "401", 1],
      ["fs", "200", 1],
    ]);
  });

  it("print counters under OpenMetrics as prom-client does", async () => {
    const ours = new Registry<OpenMetricsContentType>();
    const theirs = new Registry<OpenMetricsContentType>();
    ours.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    theirs.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    const config = { name: "t_total", help: "Things", labelNames: ["mount"] as const };
    new CounterSeries(ours, config).child({ mount: "calc" }).inc();
    new Counter({ ...config, registers: [theirs] }).labels("calc").inc();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
