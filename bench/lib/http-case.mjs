/**
 * One HTTP case through its life: its server process, the checked request, warm-up, any
 * number of measured windows (the runner interleaves cases), and the summary.
 */
import { runLoad } from "./load.mjs";
import { ID_PLACEHOLDER, verifyToolCall } from "./mcp-requests.mjs";
import { startServer } from "./server-process.mjs";
import { percentile } from "./stats.mjs";

/**
 * @typedef {object} Measured
 * @property {number} rps 2xx answers per second over all windows.
 * @property {number} p50_ms
 * @property {number} p99_ms
 * @property {number} rss Server RSS at the end of its last window, in bytes.
 * @property {number} cpuMicrosPerRequest Server CPU time per answered request.
 * @property {number[]} roundRps req/s of each measured window, in the order measured (one
 *   per round, so window `i` of two cases ran in the same round).
 */

/**
 * Start a case's server, set up what its era needs, and check one answer. Returns the
 * server and the request for a given JSON-RPC id; the server is stopped if a step fails.
 *
 * @param {import("../cases.mjs").HttpCase} c
 * @param {string[]} [wrapper] A program and its arguments that run node (see startServer).
 */
export async function startCase(c, wrapper) {
  const server = await startServer(c.script, { env: c.env, wrapper });
  try {
    const request = await c.prepare(server.url, server.credentials);
    await verifyToolCall(server.url, request(1));
    return { server, request };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

export class HttpCaseRun {
  #case;
  #server;
  #request;
  #connections;
  #ok = 0;
  #seconds = 0;
  #cpuMicros = 0;
  #latencies = [];
  #rss = 0;
  #roundRps = [];

  constructor(c, server, request, connections) {
    this.#case = c;
    this.#server = server;
    this.#request = request;
    this.#connections = connections;
  }

  /**
   * Start the case's server, set up what its era needs, and check one answer.
   *
   * @param {import("../cases.mjs").HttpCase} c
   * @param {number} connections
   */
  static async start(c, connections) {
    const { server, request } = await startCase(c);
    return new HttpCaseRun(c, server, request, connections);
  }

  get case() {
    return this.#case;
  }

  /** Load without recording, so JIT and caches are warm before anything counts. */
  async warmUp(seconds) {
    await this.#load(seconds);
  }

  /** One measured window; adds to the case's totals. */
  async measure(seconds) {
    const before = await this.#server.sample();
    const window = await this.#load(seconds);
    const after = await this.#server.sample();
    this.#ok += window.ok;
    this.#seconds += window.seconds;
    this.#cpuMicros += after.cpuMicros - before.cpuMicros;
    this.#rss = after.rss;
    this.#roundRps.push(window.ok / window.seconds);
    for (const latency of window.latencies) this.#latencies.push(latency);
  }

  /** Check one more answer after the load, stop the server, and summarise. */
  async finish() {
    try {
      await verifyToolCall(this.#server.url, this.#request(2));
    } finally {
      await this.#server.stop();
    }
    return /** @type {Measured} */ ({
      rps: this.#ok / this.#seconds,
      p50_ms: percentile(this.#latencies, 0.5),
      p99_ms: percentile(this.#latencies, 0.99),
      rss: this.#rss,
      cpuMicrosPerRequest: this.#cpuMicros / this.#ok,
      roundRps: this.#roundRps,
    });
  }

  /** Stop the server without summarising (the case failed). */
  abort() {
    return this.#server.stop();
  }

  async #load(seconds) {
    const { headers, body } = this.#request(ID_PLACEHOLDER);
    const window = await runLoad({
      url: this.#server.url,
      headers,
      body,
      connections: this.#connections,
      seconds,
    });
    if (window.failures > 0) {
      throw new Error(
        `${window.failures} of ${window.ok + window.failures} requests failed (${window.failureDetail})`,
      );
    }
    return window;
  }
}
