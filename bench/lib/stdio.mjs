/**
 * stdio round trips: a Berth stdio server as a child process, tools/call requests (2026-07-28)
 * written to its stdin as JSON lines, answers read from its stdout. With one request in
 * flight this is the sequential round-trip rate; with more, pipelined throughput.
 */
import { performance } from "node:perf_hooks";
import { EXPECTED_TEXT } from "../servers/tool.mjs";
import { ID_PLACEHOLDER, modernToolCall } from "./mcp-requests.mjs";
import { startServer } from "./server-process.mjs";
import { percentile } from "./stats.mjs";

/** How long past its deadline a stdio run may take before it is declared stuck. */
const STUCK_AFTER_MS = 10_000;

/** A JSON-RPC client on a child's stdin/stdout that times each round trip. */
class StdioClient {
  #child;
  #pending = new Map();
  #buffer = "";
  #nextId = 1;
  #before;
  #after;
  /** Answers that were not the expected tools/call result. */
  failures = 0;

  constructor(child) {
    this.#child = child;
    [this.#before, this.#after] = modernToolCall(ID_PLACEHOLDER).body.split(`"${ID_PLACEHOLDER}"`);
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => this.#onData(chunk));
    child.once("exit", (code) => this.failAll(new Error(`the stdio server exited (code ${code})`)));
  }

  /** Reject every request still waiting. */
  failAll(error) {
    for (const waiting of this.#pending.values()) waiting.reject(error);
    this.#pending.clear();
  }

  /** Send one tools/call; resolves with its round-trip time in milliseconds. */
  call() {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject, start: performance.now() });
      this.#child.stdin.write(`${this.#before}${id}${this.#after}\n`);
    });
  }

  #onData(chunk) {
    this.#buffer += chunk;
    let newline = this.#buffer.indexOf("\n");
    while (newline >= 0) {
      const line = this.#buffer.slice(0, newline);
      this.#buffer = this.#buffer.slice(newline + 1);
      this.#onLine(line);
      newline = this.#buffer.indexOf("\n");
    }
  }

  #onLine(line) {
    const end = performance.now();
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      this.#fail(`not JSON: ${line}`);
      return;
    }
    const waiting = this.#pending.get(message.id);
    if (!waiting) {
      this.#fail(`an answer to no request sent: ${line}`);
      return;
    }
    this.#pending.delete(message.id);
    const block = message.result?.content?.[0];
    if (message.error !== undefined || block?.text !== EXPECTED_TEXT) {
      this.#fail(`not the expected tools/call result: ${line}`);
    }
    waiting.resolve(end - waiting.start);
  }

  #fail(what) {
    this.failures++;
    if (this.failures === 1) console.error(`  unexpected stdio output, ${what}`);
  }
}

/** `inFlight` callers, each waiting for its answer before sending again, for `seconds`. */
async function drive(client, inFlight, seconds) {
  const latencies = [];
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const caller = async () => {
    while (performance.now() < deadline) latencies.push(await client.call());
  };
  await bounded(client, seconds * 1000, () =>
    Promise.all(Array.from({ length: inFlight }, caller)),
  );
  const elapsed = (performance.now() - start) / 1000;
  return { latencies, elapsed };
}

/** Run `work`, failing the client's requests if it is not done `STUCK_AFTER_MS` after `ms`. */
async function bounded(client, ms, work) {
  const stuck = setTimeout(
    () => client.failAll(new Error(`no stdio answer within ${STUCK_AFTER_MS} ms`)),
    ms + STUCK_AFTER_MS,
  );
  try {
    return await work();
  } finally {
    clearTimeout(stuck);
  }
}

/**
 * Measure stdio round trips against a fresh Berth stdio server.
 *
 * @param {{ inFlight: number, seconds: number, warmupSeconds: number }} options
 * @returns {Promise<import("./http-case.mjs").Measured>}
 */
export async function runStdio({ inFlight, seconds, warmupSeconds }) {
  const server = await startServer("berth-stdio.mjs", { pipes: true });
  try {
    const client = new StdioClient(server.child);
    await bounded(client, 0, () => client.call());
    if (client.failures > 0)
      throw new Error("the stdio server did not answer tools/call correctly");
    await drive(client, inFlight, warmupSeconds);
    const before = await server.sample();
    const { latencies, elapsed } = await drive(client, inFlight, seconds);
    const after = await server.sample();
    if (client.failures > 0) throw new Error(`${client.failures} stdio answers were wrong`);
    return {
      rps: latencies.length / elapsed,
      p50_ms: percentile(latencies, 0.5),
      p99_ms: percentile(latencies, 0.99),
      rss: after.rss,
      cpuMicrosPerRequest: (after.cpuMicros - before.cpuMicros) / latencies.length,
    };
  } finally {
    server.child.stdin.end();
    await server.stop();
  }
}
