/**
 * Berth as a platform team runs it: the same `add` server mounted on a host (startHost) with
 * Prometheus metrics, request logs, the audit log of every tool call (arguments redacted) and
 * rate limiting all on. Logs go, as JSON lines, to a Node file stream (a Writable, as
 * `process.stdout` is) on a temporary file that is deleted when the process exits. The rate
 * limits are generous (they are checked on every call but never refuse here): the price
 * measured is that of counting.
 *
 * `BENCH_OPS_PLUGINS` (comma-separated: metrics, logging, rate-limit; `none` for the host
 * alone) keeps only some of them, to price each feature alone (the optional
 * `berth-2026-ops-*` cases in cases.mjs).
 */
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createServer,
  loggingPlugin,
  metricsPlugin,
  rateLimitPlugin,
  startHost,
} from "../../dist/src/index.js";
import { ready } from "./child.mjs";
import { ADD_INPUT, add, TOOL_NAME } from "./tool.mjs";

const dir = mkdtempSync(join(tmpdir(), "berth-bench-ops-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const logFile = createWriteStream(join(dir, "berth.log"));

const server = createServer({ name: "bench-berth", version: "1.0.0" });
server.tool(TOOL_NAME, { description: "Add two numbers", input: ADD_INPUT }, add);

const only = process.env.BENCH_OPS_PLUGINS?.split(",").map((name) => name.trim());
const plugins = [
  metricsPlugin(),
  loggingPlugin({ destination: logFile, audit: { arguments: "redact" } }),
  rateLimitPlugin({
    rules: [
      { by: "address", limit: 1_000_000_000, windowSeconds: 1 },
      { by: "tool", limit: 1_000_000_000, windowSeconds: 1 },
    ],
  }),
].filter((plugin) => !only || only.includes(plugin.name));

const host = await startHost(
  {
    listen: { host: "127.0.0.1", port: 0 },
    servers: { bench: { server, path: "/mcp", auth: "none" } },
    // The host's own logging (to stderr) is replaced by the plugin above, writing to a file.
    logging: { level: "silent" },
  },
  { plugins },
);
ready({
  url: new URL("/mcp", host.url).href,
  close: async () => {
    await host.close();
    await new Promise((resolve) => logFile.end(resolve));
  },
});
