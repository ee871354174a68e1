/**
 * `npm run bench:instructions`: what each HTTP case costs the server in machine
 * instructions per tools/call, counted by valgrind's callgrind rather than timed. Counts do
 * not move with a shared machine's load, so a change of a few hundred instructions per
 * request shows, where req/s on a busy machine moves by several percent from run to run.
 * It is a tool for pricing a change, not a target check: `npm run bench` is that.
 *
 * Each case's server runs under callgrind, is warmed up, then counts only while a fixed
 * number of requests are answered. The main thread (JavaScript, the HTTP parser, the
 * runtime) is reported apart from the other threads (garbage collection helpers, the
 * compiler). Time does not count, so work done once per millisecond or per flush of the
 * log (the log's timestamp, its batched writes) runs more often per request here, where
 * requests are about a hundred times slower: those costs come out higher than they are.
 *
 * Needs valgrind (Debian: `apt-get install valgrind`). Environment:
 *   BENCH_ONLY                  comma-separated case ids (default: plain Berth and the
 *                               operations cases)
 *   INSTRUCTIONS_WARMUP         requests before counting (default 6000)
 *   INSTRUCTIONS_REQUESTS       requests counted (default 3000)
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HTTP_CASES } from "./cases.mjs";
import { startCase } from "./lib/http-case.mjs";
import { runLoad } from "./lib/load.mjs";
import { ID_PLACEHOLDER } from "./lib/mcp-requests.mjs";

const DEFAULT_CASES = [
  "berth-2026",
  "berth-2026-ops-host",
  "berth-2026-ops-metrics",
  "berth-2026-ops-logging",
  "berth-2026-ops-rate-limit",
  "berth-2026-ops",
];
const CONNECTIONS = 50;
/** Under valgrind an answer can take far longer than autocannon's usual timeout. */
const TIMEOUT_SECONDS = 120;

const warmup = count("INSTRUCTIONS_WARMUP", 6000);
const requests = count("INSTRUCTIONS_REQUESTS", 3000);
const ids = process.env.BENCH_ONLY?.split(",").map((id) => id.trim()) ?? DEFAULT_CASES;

function count(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} must be a positive whole number, got '${raw}'`);
  return value;
}

try {
  execFileSync("valgrind", ["--version"], { stdio: "ignore" });
} catch {
  console.error("bench:instructions needs valgrind (Debian: apt-get install valgrind); not run.");
  process.exit(1);
}

const unknown = ids.filter((id) => !HTTP_CASES.some((c) => c.id === id));
if (unknown.length > 0) throw new Error(`Unknown case ids: ${unknown.join(", ")}`);

/** Instructions of one dump, per thread file: the main thread's and the others' together. */
function readCounts(dir, base) {
  let main = 0;
  let others = 0;
  // With --separate-threads, the first dump of thread N is `<base>.1-NN`.
  for (const name of readdirSync(dir)) {
    const thread = name.match(new RegExp(`^${base}\\.1-(\\d+)$`));
    if (!thread) continue;
    const summary = readFileSync(join(dir, name), "utf8").match(/^summary: (\d+)$/m);
    const value = summary ? Number(summary[1]) : 0;
    if (Number(thread[1]) === 1) main = value;
    else others += value;
  }
  if (main === 0) throw new Error(`callgrind wrote no count for the main thread in ${dir}`);
  return { main, others };
}

async function measure(c) {
  const dir = mkdtempSync(join(tmpdir(), "berth-instructions-"));
  const base = "callgrind.out";
  let server;
  try {
    const started = await startCase(c, [
      "valgrind",
      "-q",
      "--tool=callgrind",
      "--separate-threads=yes",
      // V8 writes and rewrites the code it runs.
      "--smc-check=all-non-file",
      `--callgrind-out-file=${join(dir, base)}`,
    ]);
    server = started.server;
    const { headers, body } = started.request(ID_PLACEHOLDER);
    const load = (amount) =>
      runLoad({
        url: server.url,
        headers,
        body,
        connections: CONNECTIONS,
        amount,
        timeoutSeconds: TIMEOUT_SECONDS,
      });
    await load(warmup);
    execFileSync("callgrind_control", ["--zero", String(server.child.pid)], { stdio: "ignore" });
    const window = await load(requests);
    execFileSync("callgrind_control", ["--dump", String(server.child.pid)], { stdio: "ignore" });
    if (window.failures > 0 || window.ok !== requests)
      throw new Error(`${window.ok} of ${requests} answered: ${window.failureDetail}`);
    const counts = readCounts(dir, base);
    return { main: counts.main / requests, others: counts.others / requests };
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const results = [];
for (const id of ids) {
  const c = HTTP_CASES.find((candidate) => candidate.id === id);
  console.log(`${c.name}: under callgrind, ${warmup} requests to warm up, ${requests} counted`);
  results.push({ c, ...(await measure(c)) });
}

const base = results.find((r) => r.c.id === "berth-2026");
const number = (value) => Math.round(value).toLocaleString("en-US");
console.log("\n| case | main thread instructions/request | other threads | vs Berth 2026 |");
console.log("|------|-----:|-----:|-----:|");
for (const r of results) {
  const change = base && r !== base ? (r.main / base.main - 1) * 100 : undefined;
  const versus =
    r === base
      ? "base"
      : change === undefined
        ? "n/a"
        : `${change >= 0 ? "+" : ""}${change.toFixed(1)}%`;
  console.log(`| ${r.c.name} | ${number(r.main)} | ${number(r.others)} | ${versus} |`);
}
