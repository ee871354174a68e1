/**
 * `npm run bench`: tools/call throughput and latency of Berth next to its peers, each server
 * in its own process, loaded from this process over loopback; then Berth's stdio round trips.
 *
 * HTTP cases are measured in interleaved rounds (each round gives every case an equal slice
 * of BENCH_SECONDS, in rotating order), so a burst of outside load on a shared machine
 * spreads over all cases instead of skewing one of them.
 *
 * Environment:
 *   BENCH_SECONDS              measured seconds per case (default 10)
 *   BENCH_WARMUP_SECONDS       warm-up seconds per case, not measured (default 5)
 *   BENCH_ROUNDS               measured slices per HTTP case (default 10)
 *   BENCH_ONLY                 comma-separated case ids to run (e.g. "raw,berth-2026")
 *   BENCH_SERVER_NODE_OPTIONS  extra node flags for the server processes (e.g. "--cpu-prof")
 */
import os from "node:os";
import { HTTP_CASES, STDIO_CASES } from "./cases.mjs";
import { HttpCaseRun } from "./lib/http-case.mjs";
import { describeMachine } from "./lib/machine.mjs";
import {
  caseResult,
  checkTargets,
  formatTable,
  formatTargets,
  writeResults,
} from "./lib/report.mjs";
import { runStdio } from "./lib/stdio.mjs";

const CONNECTIONS = 50;
const RESULTS = new URL("./results/latest.json", import.meta.url);

const seconds = positive("BENCH_SECONDS", 10);
const warmupSeconds = positive("BENCH_WARMUP_SECONDS", 5);
const rounds = Math.max(1, Math.min(Math.floor(positive("BENCH_ROUNDS", 10)), Math.floor(seconds)));
const only = process.env.BENCH_ONLY?.split(",").map((id) => id.trim());
// Optional cases (the operations plugins one at a time) run only when BENCH_ONLY names them.
const selected = (c) => (only ? only.includes(c.id) : !c.optional);

function positive(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!(value > 0)) throw new Error(`${name} must be a positive number, got '${raw}'`);
  return value;
}

const message = (error) => (error instanceof Error ? error.message : String(error));

/** Start, warm up and measure every HTTP case; returns the measurements by case id. */
async function runHttpCases(cases, failed) {
  const runs = [];
  for (const c of cases) {
    console.log(`${c.name}: start, check one answer, warm up ${warmupSeconds} s`);
    let run;
    try {
      run = await HttpCaseRun.start(c, CONNECTIONS);
      await run.warmUp(warmupSeconds);
      runs.push(run);
    } catch (error) {
      await run?.abort();
      failed.set(c.id, message(error));
      console.error(`  FAILED ${c.name}: ${message(error)}`);
    }
  }
  const slice = seconds / rounds;
  for (let round = 0; round < rounds; round++) {
    console.log(`round ${round + 1}/${rounds}: ${slice.toFixed(1)} s per case`);
    const live = runs.filter((run) => !failed.has(run.case.id));
    for (let i = 0; i < live.length; i++) {
      const run = live[(round + i) % live.length];
      try {
        await run.measure(slice);
      } catch (error) {
        await run.abort();
        failed.set(run.case.id, message(error));
        console.error(`  FAILED ${run.case.name}: ${message(error)}`);
      }
    }
  }
  const measured = new Map();
  for (const run of runs.filter((r) => !failed.has(r.case.id))) {
    try {
      measured.set(run.case.id, await run.finish());
    } catch (error) {
      failed.set(run.case.id, message(error));
      console.error(`  FAILED ${run.case.name}: ${message(error)}`);
    }
  }
  return measured;
}

async function main() {
  const machine = describeMachine({ seconds, warmupSeconds, connections: CONNECTIONS });
  console.log(
    `Berth benchmark: tools/call "add" over HTTP at ${CONNECTIONS} connections, then stdio`,
  );
  console.log(
    `${machine.cpu}, ${machine.cores} cores, ${machine.memory_gb} GB, Node ${machine.node}, ${machine.os}`,
  );
  console.log(
    `${seconds} s measured per case (${rounds} interleaved rounds) after ${warmupSeconds} s warm-up; ` +
      "each server is its own child process; the load generator runs here",
  );
  const load = os.loadavg()[0];
  if (load > 0.5) {
    console.log(`NOTE: load average is ${load.toFixed(2)} before starting; expect noisy numbers`);
  }
  console.log("");

  const failed = new Map();
  const httpCases = HTTP_CASES.filter(selected);
  const measured = await runHttpCases(httpCases, failed);
  const rows = [];
  for (const c of httpCases) {
    const m = measured.get(c.id);
    if (m)
      rows.push({
        id: c.id,
        result: caseResult(c.name, m),
        cpuMicrosPerRequest: m.cpuMicrosPerRequest,
        roundRps: m.roundRps,
      });
  }
  for (const c of STDIO_CASES.filter(selected)) {
    console.log(`${c.name}: warm up ${warmupSeconds} s, measure ${seconds} s`);
    try {
      const m = await runStdio({ inFlight: c.inFlight, seconds, warmupSeconds });
      rows.push({
        id: c.id,
        result: caseResult(c.name, m),
        cpuMicrosPerRequest: m.cpuMicrosPerRequest,
      });
    } catch (error) {
      failed.set(c.id, message(error));
      console.error(`  FAILED ${c.name}: ${message(error)}`);
    }
  }

  console.log(`\n${formatTable(rows)}\n`);
  const byId = new Map(rows.map((row) => [row.id, row]));
  console.log(formatTargets(byId));
  await writeResults(
    RESULTS,
    machine,
    rows.map((row) => row.result),
    checkTargets(byId),
  );
  console.log(`\nWrote ${RESULTS.pathname}`);
  if (failed.size > 0) {
    console.error("\nFAILED cases (left out of the results):");
    for (const [id, reason] of failed) console.error(`  ${id}: ${reason}`);
    process.exitCode = 1;
  }
}

await main();
