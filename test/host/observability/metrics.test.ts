import { readFile } from "node:fs/promises";
import {
  createServer,
  generateApiKey,
  metricsPlugin,
  RateLimitedError,
  ResourceServer,
} from "berth";
import { MemoryAuthStore } from "berth/store";
import parse from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { HostPlugin } from "../../../src/host/plugin.js";
import { type Harness, startHarness } from "./harness.js";

function calculator() {
  const server = createServer({ name: "calculator", version: "1.0.0" });
  server.tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) =>
    String(a + b),
  );
  server.tool("boom", {}, () => {
    throw new Error("exploded");
  });
  server.tool("slow", {}, async () => {
    await new Promise((resolve) => setTimeout(resolve, 40));
    return "done";
  });
  server.tool("admin_only", { scopes: ["admin"] }, () => "secret");
  server.resource("readme", "file:///readme.md", {}, () => "hello");
  return server;
}

/** Refuses, with 429, requests carrying `x-refuse`. */
const refuser: HostPlugin = {
  name: "refuser",
  admit: () => (req) => {
    if (req.headers["x-refuse"]) throw new RateLimitedError("Too many requests", 3);
    return undefined;
  },
};

async function scrape(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { response, text, families: parse(text) };
}

type Families = ReturnType<typeof parse>;

/** The value of the sample of `name` whose labels include `labels` (undefined: none). */
function sample(families: Families, name: string, labels: Record<string, string> = {}) {
  const family = families.find((f) => f.name === name);
  const found = family?.metrics.find((m) =>
    Object.entries(labels).every(([key, value]) => m.labels?.[key] === value),
  );
  return found?.value === undefined ? undefined : Number(found.value);
}

/**
 * A labelled histogram's `_count` or `_sum`, read from the text: the parser keeps only
 * unlabelled histograms' counts.
 */
function histogram(text: string, series: string, labels: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series}{${labels}}`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

function labelValues(families: Families, name: string, label: string): string[] {
  const family = families.find((f) => f.name === name);
  return (family?.metrics ?? []).map((m) => m.labels?.[label] ?? "");
}

describe("metrics after known traffic", () => {
  let harness: Harness;
  let families: Families;
  let text: string;
  let contentType: string | null;
  const headers: Record<string, string> = {};

  beforeAll(async () => {
    const store = new MemoryAuthStore();
    const now = Date.now();
    await store.createUser({
      id: "u-ann",
      username: "ann",
      displayName: null,
      passwordHash: null,
      disabled: false,
      createdAt: now,
      updatedAt: now,
    });
    const { key, hash, prefix } = generateApiKey();
    await store.createApiKey({
      id: "k1",
      name: "ci",
      ownerId: "u-ann",
      scopes: ["calc"],
      hash,
      prefix,
      createdAt: now,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    headers["authorization"] = `Bearer ${key}`;
    const auth = new ResourceServer({ store, authorizationServers: ["https://login.example"] });
    harness = await startHarness(calculator(), [metricsPlugin(), refuser], { auth });

    const statuses: number[] = [];
    const call = async (name: string, args: object = {}, extra: Record<string, string> = {}) => {
      const answer = await harness.modern(
        "tools/call",
        { name, arguments: args },
        { ...headers, ...extra },
      );
      statuses.push(answer.status);
      return answer;
    };
    for (let i = 0; i < 7; i++) {
      const answer = await call("add", { a: i, b: 1 });
      expect(answer.body.result.content[0].text).toBe(String(i + 1));
    }
    for (let i = 0; i < 2; i++) expect((await call("boom")).body.result.isError).toBe(true);
    await call("slow");
    expect((await call("no_such_tool")).body.error.code).toBe(-32602);
    expect((await call("admin_only")).status).toBe(403);
    expect((await call("add", { a: 1, b: 1 }, { "x-refuse": "1" })).status).toBe(429);
    for (let i = 0; i < 3; i++) {
      const anonymous = await harness.modern("tools/call", { name: "add", arguments: {} });
      expect(anonymous.status).toBe(401);
    }
    const read = await harness.modern("resources/read", { uri: "file:///readme.md" }, headers);
    expect(read.status).toBe(200);
    await harness.initializeLegacy(headers);
    expect(statuses.slice(0, 11).every((status) => status === 200)).toBe(true);

    const scraped = await scrape(`${harness.origin}/metrics`);
    contentType = scraped.response.headers.get("content-type");
    families = scraped.families;
    text = scraped.text;
  });
  afterAll(() => harness.close());

  it("answers in the Prometheus text format 0.0.4", () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it("counts engine calls by server, method, tool and outcome, exactly as sent", () => {
    const calls = (tool: string, outcome: string, method = "tools/call") =>
      sample(families, "berth_calls_total", { server: "calculator", method, tool, outcome });
    expect(calls("add", "ok")).toBe(7);
    expect(calls("boom", "tool_error")).toBe(2);
    expect(calls("slow", "ok")).toBe(1);
    expect(calls("admin_only", "error")).toBe(1);
    expect(calls("", "error")).toBe(1);
    expect(calls("", "ok", "resources/read")).toBe(1);
    const total = families
      .find((f) => f.name === "berth_calls_total")!
      .metrics.reduce((sum, m) => sum + Number(m.value), 0);
    expect(total).toBe(7 + 2 + 1 + 1 + 1 + 1);
  });

  it("never uses an unknown tool's name or a resource URI as a label", () => {
    const tools = labelValues(families, "berth_calls_total", "tool");
    expect(tools).not.toContain("no_such_tool");
    expect(tools).not.toContain("file:///readme.md");
  });

  it("times calls in seconds by server and method", () => {
    const labels = 'server="calculator",method="tools/call"';
    expect(histogram(text, "berth_call_duration_seconds_count", labels)).toBe(12);
    const sum = histogram(text, "berth_call_duration_seconds_sum", labels)!;
    expect(sum).toBeGreaterThanOrEqual(0.035);
    expect(sum).toBeLessThan(10);
  });

  it("counts HTTP requests by mount, method and status", () => {
    const requests = (status: string) =>
      sample(families, "berth_http_requests_total", { mount: "calc", method: "POST", status });
    // 12 calls answered, resources/read, initialize.
    expect(requests("200")).toBe(11 + 1 + 1);
    expect(requests("202")).toBe(1);
    expect(requests("401")).toBe(3);
    expect(requests("403")).toBe(1);
    expect(requests("429")).toBe(1);
    const timed = histogram(text, "berth_http_request_duration_seconds_count", 'mount="calc"');
    expect(timed).toBe(19);
  });

  it("counts authorization failures and rate-limited requests", () => {
    const failures = (status: string) =>
      sample(families, "berth_auth_failures_total", { mount: "calc", status });
    expect(failures("401")).toBe(3);
    expect(failures("403")).toBe(1);
    expect(sample(families, "berth_rate_limited_total", { mount: "calc" })).toBe(1);
  });

  it("shows open legacy sessions and no request left in flight", () => {
    expect(sample(families, "berth_legacy_sessions", { mount: "calc" })).toBe(1);
    expect(sample(families, "berth_http_in_flight", { mount: "calc" })).toBe(0);
    // The scrape itself is in flight, on no mount.
    expect(sample(families, "berth_http_in_flight", { mount: "" })).toBe(1);
  });

  it("exports exactly the metrics the docs list, and every one the dashboard uses", async () => {
    const exported = new Set(families.map((family) => family.name));
    const berth = [...exported].filter((name) => name.startsWith("berth_")).sort();
    const docs = await readFile(new URL("../../../docs/observability.md", import.meta.url), "utf8");
    const documented = [...docs.matchAll(/^\| `(berth_\w+)`/gm)].map((match) => match[1]);
    expect(documented.sort()).toEqual(berth);
    const dashboard = JSON.parse(
      await readFile(new URL("../../../docs/grafana-dashboard.json", import.meta.url), "utf8"),
    );
    const queried = JSON.stringify(dashboard.panels).match(/\b(berth|nodejs|process)_\w+/g)!;
    const used = new Set(queried.map((name) => name.replace(/_(bucket|sum|count)$/, "")));
    expect(used.size).toBeGreaterThan(8);
    for (const name of used) expect(exported, name).toContain(name);
  });

  it("includes the process and event-loop metrics", () => {
    expect(sample(families, "nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(sample(families, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
  });
});

describe("metrics endpoint", () => {
  let harness: Harness;
  const url = () => `${harness.origin}/internal/m`;
  beforeAll(async () => {
    harness = await startHarness(
      calculator(),
      [metricsPlugin({ token: "scrape-secret", collectDefault: false, path: "/internal/m" })],
      { mountName: "second" },
    );
  });
  afterAll(() => harness.close());

  it("refuses a scrape without the token, or with a wrong one, with 401", async () => {
    const none = await fetch(url());
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const wrong = await fetch(url(), {
      headers: { authorization: "Bearer scrape-secreT" },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain("berth_");
  });

  it("answers a scrape with the token, with only this host's counts", async () => {
    await harness.modern("tools/call", { name: "add", arguments: { a: 1, b: 2 } });
    const { response, families } = await scrape(url(), {
      authorization: "Bearer scrape-secret",
    });
    expect(response.status).toBe(200);
    expect(
      sample(families, "berth_calls_total", { tool: "add", outcome: "ok", server: "calculator" }),
    ).toBe(1);
    expect(families.some((f) => f.name.startsWith("process_"))).toBe(false);
  });

  it("answers other methods than GET with 405", async () => {
    const response = await fetch(url(), {
      method: "POST",
      headers: { authorization: "Bearer scrape-secret" },
    });
    expect(response.status).toBe(405);
  });

  it("keeps one series for every unknown tool name clients send", async () => {
    for (let i = 0; i < 5; i++)
      await harness.modern("tools/call", { name: `made_up_${i}`, arguments: {} });
    const { families } = await scrape(url(), { authorization: "Bearer scrape-secret" });
    expect(labelValues(families, "berth_calls_total", "tool").sort()).toEqual(["", "add"]);
    expect(sample(families, "berth_calls_total", { tool: "", outcome: "error" })).toBe(5);
  });
});

describe("metricsPlugin options", () => {
  it("rejects a path without a leading slash and an empty token", () => {
    expect(() => metricsPlugin({ path: "metrics" })).toThrow(/must start with "\/"/);
    expect(() => metricsPlugin({ token: "" })).toThrow(/must not be empty/);
  });
});
