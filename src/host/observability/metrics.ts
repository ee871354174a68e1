import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { CallEnd, CallObserver } from "../../engine/observer.js";
import type { HostPlugin, MountInfo } from "../plugin.js";
import { CallSeries } from "./call-series.js";
import { CounterSeries, GaugeSeries, HistogramSeries } from "./fast-series.js";
import { HttpSeries } from "./http-series.js";

/** Options of {@link metricsPlugin}. */
export interface MetricsOptions {
  /** Where the host serves the metrics (default `/metrics`). */
  path?: string;
  /** When set, scrapes must send `Authorization: Bearer <token>`; others get 401. */
  token?: string;
  /**
   * prom-client's process and Node.js metrics (`process_*`, `nodejs_*`, event-loop lag
   * included); default true.
   */
  collectDefault?: boolean;
  /** The registry to fill (default: a new one, so two hosts in one process never collide). */
  registry?: Registry;
}

/**
 * The metrics plugin, with the registry it fills (to add metrics of your own). The `berth_*`
 * metrics in it are Berth's own plain-number series, not prom-client metric objects.
 */
export interface MetricsPlugin extends HostPlugin {
  readonly registry: Registry;
}

/** Seconds: from a fast list call to a tool waiting on a slow upstream or on a person. */
const CALL_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];
const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Prometheus metrics of a host: engine calls by server, method, tool and outcome, HTTP
 * requests by mount and status, requests in flight, legacy sessions, authorization
 * failures and rate-limited requests, plus Node.js process metrics. Served in the text
 * format (version 0.0.4) at `path`. See docs/observability.md for every metric.
 *
 * @example
 * const metrics = metricsPlugin({ token: process.env.METRICS_TOKEN });
 * await startHost(config, { plugins: [metrics] });
 * new Counter({ name: "my_jobs_total", help: "Jobs", registers: [metrics.registry] });
 */
export function metricsPlugin(options: MetricsOptions = {}): MetricsPlugin {
  const path = options.path ?? "/metrics";
  if (!path.startsWith("/")) throw new Error(`The metrics path must start with "/" (got ${path})`);
  if (options.token !== undefined && options.token.length === 0)
    throw new Error("The metrics token must not be empty; leave it unset for open metrics");
  const registry = options.registry ?? new Registry();
  if (options.collectDefault !== false) collectDefaultMetrics({ register: registry });

  // The hot path updates plain-number series (fast-series.ts) that the registry reads when
  // scraped: prom-client's own label children hash their labels on every update.
  const calls = new CounterSeries(registry, {
    name: "berth_calls_total",
    help: "Engine calls (tools/call, resources/read, prompts/get, lists…) by outcome",
    labelNames: ["server", "method", "tool", "outcome"] as const,
  });
  const callDuration = new HistogramSeries(registry, {
    name: "berth_call_duration_seconds",
    help: "Time engine calls take, from admission to result",
    labelNames: ["server", "method"] as const,
    buckets: CALL_BUCKETS,
  });
  const http = new HttpSeries({
    requests: new CounterSeries(registry, {
      name: "berth_http_requests_total",
      help: "HTTP requests by mount, method and status (status 0: closed before an answer)",
      labelNames: ["mount", "method", "status"] as const,
    }),
    duration: new HistogramSeries(registry, {
      name: "berth_http_request_duration_seconds",
      help: "Time from receiving an HTTP request to its response's end",
      labelNames: ["mount"] as const,
      buckets: HTTP_BUCKETS,
    }),
    inFlight: new GaugeSeries(registry, {
      name: "berth_http_in_flight",
      help: "HTTP requests being answered now (open SSE streams included)",
      labelNames: ["mount"] as const,
    }),
    authFailures: new CounterSeries(registry, {
      name: "berth_auth_failures_total",
      help: "Responses 401 (no or bad credentials) and 403 (missing scope)",
      labelNames: ["mount", "status"] as const,
    }),
    rateLimited: new CounterSeries(registry, {
      name: "berth_rate_limited_total",
      help: "Responses 429 (rate limited)",
      labelNames: ["mount"] as const,
    }),
  });
  const mounts = new Map<string, MountInfo>();
  new Gauge({
    name: "berth_legacy_sessions",
    help: "Open 2025-era sessions (Mcp-Session-Id) by mount",
    labelNames: ["mount"] as const,
    registers: [registry],
    collect() {
      for (const mount of mounts.values()) this.labels(mount.name).set(mount.sessionCount());
    },
  });

  const serve = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      res.end("Use GET\n");
      return;
    }
    if (options.token !== undefined && !bearerMatches(req.headers.authorization, options.token)) {
      res.writeHead(401, {
        "www-authenticate": 'Bearer realm="metrics"',
        "content-type": "text/plain",
      });
      res.end("The metrics need Authorization: Bearer <token>\n");
      return;
    }
    registry.metrics().then(
      (text) => {
        res.writeHead(200, {
          "content-type": registry.contentType,
          "content-length": Buffer.byteLength(text),
          "cache-control": "no-store",
        });
        res.end(req.method === "HEAD" ? undefined : text);
      },
      (error: unknown) => {
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`Collecting metrics failed: ${error instanceof Error ? error.message : error}\n`);
      },
    );
  };

  return {
    name: "metrics",
    registry,
    observer(mount): CallObserver {
      mounts.set(mount.name, mount);
      const series = new CallSeries(calls, callDuration, mount.serverName);
      const end: CallEnd = (outcome, error, durationMs, call) =>
        series.record(call, outcome, error, durationMs / 1000);
      return { start: () => end };
    },
    request(_req, _res, mount) {
      if (mount && !mounts.has(mount.name)) mounts.set(mount.name, mount);
      return http.start(mount);
    },
    routes: () => ({ [path]: serve }),
  };
}

/** Whether an `Authorization` header is `Bearer <token>`, compared in constant time. */
function bearerMatches(header: string | undefined, token: string): boolean {
  if (header === undefined || !/^bearer /i.test(header)) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(header.slice(7).trim()), digest(token));
}
