import { describe, expect, it } from "vitest";
import { checkTargets, formatTargets } from "../../bench/lib/report.mjs";
import { medianInterval } from "../../bench/lib/stats.mjs";

/** A bench row with the given per-round req/s. */
const row = (name: string, roundRps: number[]) => ({
  result: {
    name,
    rps: roundRps.reduce((a, b) => a + b, 0) / roundRps.length,
    p50_ms: 1,
    p99_ms: 3,
    rss_mb: 80,
  },
  cpuMicrosPerRequest: 20,
  roundRps,
});

const BASE = [1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000];
const opsAt = (shares: number[]) =>
  row(
    "ops",
    shares.map((share) => share * 1000),
  );

function opsCheck(shares: number[]) {
  const byId = new Map([
    ["berth-2026", row("Berth", BASE)],
    ["berth-2026-ops", opsAt(shares)],
  ]);
  const check = checkTargets(byId).find((c) => c.case === "berth-2026-ops");
  return { check, printed: formatTargets(byId) };
}

describe("medianInterval", () => {
  it("takes the narrowest order statistics that hold the median at the level asked", () => {
    const ten = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    // P(median between the 2nd smallest and 2nd largest of 10) = 1 - 2 * 11/1024.
    expect(medianInterval(ten)).toEqual({ low: 2, high: 9, level: 1 - 22 / 1024 });
    // The 3rd and 8th hold it with 1 - 2 * 56/1024 = 0.89 only: enough at 0.85.
    expect(medianInterval(ten, 0.85)).toEqual({ low: 3, high: 8, level: 1 - 112 / 1024 });
  });

  it("gives the whole range, with its lower level, when there are too few values", () => {
    expect(medianInterval([3, 1, 2])).toEqual({ low: 1, high: 3, level: 0.75 });
    expect(medianInterval([])).toBeUndefined();
  });

  it("leaves the values it is given in their order", () => {
    const values = [3, 1, 2, 5, 4];
    medianInterval(values);
    expect(values).toEqual([3, 1, 2, 5, 4]);
  });
});

describe("operations target", () => {
  it("passes, settled, when the whole interval clears 85 %", () => {
    const { check, printed } = opsCheck([0.9, 0.92, 0.88, 0.91, 0.95, 0.89, 0.9, 0.93, 0.87, 0.9]);
    expect(check).toMatchObject({ pass: true, settled: true, value: 0.9 });
    expect(check?.interval).toMatchObject({ low: 0.88, high: 0.93 });
    expect(printed).toMatch(/ {2}PASS {2}berth-2026-ops: .*90\.0%/);
  });

  it("misses, settled, when the whole interval is under 85 %", () => {
    const { check, printed } = opsCheck([0.7, 0.75, 0.8, 0.72, 0.78, 0.74, 0.76, 0.79, 0.71, 0.84]);
    expect(check).toMatchObject({ pass: false, settled: true });
    expect(printed).toMatch(/ {2}MISS {2}berth-2026-ops/);
  });

  it("says the run was too noisy when the interval spans the target, whatever the median", () => {
    const { check, printed } = opsCheck([0.6, 0.9, 0.86, 1.1, 0.7, 0.88, 0.95, 0.8, 0.87, 0.75]);
    expect(check).toMatchObject({ pass: true, settled: false });
    expect(check?.interval?.low).toBeLessThan(0.85);
    expect(check?.interval?.high).toBeGreaterThanOrEqual(0.85);
    expect(printed).toMatch(
      / {2}NOISY {2}berth-2026-ops: .*median's PASS is within this run's noise/,
    );
  });

  it("cannot be judged without both cases", () => {
    const byId = new Map([["berth-2026", row("Berth", BASE)]]);
    const check = checkTargets(byId).find((c) => c.case === "berth-2026-ops");
    expect(check).toMatchObject({ pass: null, value: null });
    expect(check).not.toHaveProperty("interval");
  });
});
