/** The results: a table, the ratios the targets are about, and `bench/results/latest.json`. */
import { mkdir, writeFile } from "node:fs/promises";

/**
 * @typedef {object} CaseResult
 * @property {string} name
 * @property {number} rps
 * @property {number} p50_ms
 * @property {number} p99_ms
 * @property {number} rss_mb
 */

/** Targets from the issue, checked against Berth's 2026-07-28 HTTP case. */
const TARGETS = {
  shareOfRaw: 0.6,
  timesSdkV2: 10,
  p99Ms: 5,
};

const round = (value, digits) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * One case as it goes into the JSON file.
 *
 * @param {string} name
 * @param {import("./http-case.mjs").Measured} measured
 * @returns {CaseResult}
 */
export function caseResult(name, measured) {
  return {
    name,
    rps: Math.round(measured.rps),
    p50_ms: round(measured.p50_ms, 3),
    p99_ms: round(measured.p99_ms, 3),
    rss_mb: round(measured.rss / 2 ** 20, 1),
  };
}

/**
 * The results as a Markdown table (readable in a terminal, pasteable into the README).
 * Server CPU per request is shown here only: it explains the numbers on a shared machine.
 *
 * @param {{ result: CaseResult, cpuMicrosPerRequest: number }[]} rows
 */
export function formatTable(rows) {
  const cells = [
    ["case", "req/s", "p50 ms", "p99 ms", "RSS MB", "server CPU µs/req"],
    ...rows.map(({ result: c, cpuMicrosPerRequest }) => [
      c.name,
      c.rps.toLocaleString("en-US"),
      c.p50_ms.toFixed(2),
      c.p99_ms.toFixed(2),
      c.rss_mb.toFixed(1),
      cpuMicrosPerRequest.toFixed(0),
    ]),
  ];
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  const line = (row) =>
    `| ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join(" | ")} |`;
  const rule = `|${widths.map((w, i) => `${"-".repeat(w + 1)}${i === 0 ? "-" : ":"}`).join("|")}|`;
  return [line(cells[0]), rule, ...cells.slice(1).map(line)].join("\n");
}

/**
 * Ratios between cases and the PASS/MISS verdict of each target, as printable lines.
 * Targets are judged on req/s and p99 as the issue states them; the ratio of server CPU
 * per request is printed beside them because it does not depend on the load generator
 * sharing the machine's cores.
 *
 * @param {Map<string, { result: CaseResult, cpuMicrosPerRequest: number }>} byId Rows by case id.
 */
export function formatTargets(byId) {
  const berth = byId.get("berth-2026");
  const lines = [];
  const verdict = (ok) => (ok ? "PASS" : "MISS");
  const pct = (x) => `${(x * 100).toFixed(1)}%`;
  const times = (x) => `${x.toFixed(1)}x`;
  /** `a` as a share of `b` (the ceiling), or as a multiple of `b` with the CPU ratio too. */
  const compare = (label, a, b, asShare) => {
    const x = byId.get(a);
    const y = byId.get(b);
    let text = "n/a";
    if (x && y) {
      const ratio = x.result.rps / y.result.rps;
      const cpu = y.cpuMicrosPerRequest / x.cpuMicrosPerRequest;
      text = asShare ? pct(ratio) : `${times(ratio)}  (server CPU/request: ${times(cpu)} less)`;
    }
    lines.push(`  ${label.padEnd(30)} ${text}`);
  };

  lines.push("Ratios (req/s)");
  compare("Berth 2026 vs raw ceiling:", "berth-2026", "raw", true);
  compare("Berth legacy vs raw ceiling:", "berth-legacy", "raw", true);
  compare("Berth 2026 vs SDK v2:", "berth-2026", "sdk-v2", false);
  compare("Berth 2026 vs tmcp:", "berth-2026", "tmcp", false);
  lines.push("Targets (Berth 2026-07-28 over HTTP, 50 connections)");
  const raw = byId.get("raw");
  const sdk = byId.get("sdk-v2");
  if (berth && raw) {
    const share = berth.result.rps / raw.result.rps;
    lines.push(
      `  ${verdict(share >= TARGETS.shareOfRaw)}  >= ${pct(TARGETS.shareOfRaw)} of raw: ${pct(share)}`,
    );
  } else lines.push(`  n/a   >= ${pct(TARGETS.shareOfRaw)} of raw (a case did not run)`);
  if (berth && sdk) {
    const factor = berth.result.rps / sdk.result.rps;
    lines.push(
      `  ${verdict(factor >= TARGETS.timesSdkV2)}  >= ${TARGETS.timesSdkV2}x SDK v2: ${times(factor)}`,
    );
  } else lines.push(`  n/a   >= ${TARGETS.timesSdkV2}x SDK v2 (a case did not run)`);
  if (berth) {
    const p99 = berth.result.p99_ms;
    lines.push(
      `  ${verdict(p99 < TARGETS.p99Ms)}  p99 < ${TARGETS.p99Ms} ms: ${p99.toFixed(2)} ms`,
    );
  } else lines.push(`  n/a   p99 < ${TARGETS.p99Ms} ms (a case did not run)`);
  return lines.join("\n");
}

/**
 * Write `{ machine, cases }` to `file`.
 *
 * @param {URL} file
 * @param {Record<string, unknown>} machine
 * @param {CaseResult[]} cases
 */
export async function writeResults(file, machine, cases) {
  await mkdir(new URL(".", file), { recursive: true });
  await writeFile(file, `${JSON.stringify({ machine, cases }, null, 2)}\n`);
}
