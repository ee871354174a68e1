import { createServer, loggingPlugin, metricsPlugin } from "berth";
import parse from "parse-prometheus-text-format";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { defineConfig, type RunningHost, startHost } from "../../../src/host/index.js";
import { modernMeta } from "../../support/http.js";
import { capture } from "./capture.js";

/** The plugins on a real host, which calls `request` hooks before `enter`. */
describe("observability plugins on a host", () => {
  const out = capture();
  let host: RunningHost;
  let origin: string;

  beforeAll(async () => {
    const server = createServer({ name: "calculator", version: "1.0.0" });
    server.tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) =>
      String(a + b),
    );
    const config = defineConfig({
      listen: { port: 0 },
      servers: { calc: { server } },
      logging: { level: "silent" },
    });
    host = await startHost(config, {
      plugins: [loggingPlugin({ destination: out.stream }), metricsPlugin()],
    });
    origin = host.url.origin;
  });
  afterAll(() => host?.close());

  const post = (body: object, headers: Record<string, string> = {}) =>
    fetch(`${origin}/calc/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      body: JSON.stringify(body),
    });

  it("logs each request with the engine call it made and counts it by mount", async () => {
    const response = await post(
      {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: "add", arguments: { a: 2, b: 3 }, _meta: modernMeta() },
      },
      { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "add" },
    );
    expect(await response.text()).toContain('"5"');
    const id = response.headers.get("x-request-id");

    // The call's audit line is its request line too: one line, with both.
    await vi.waitFor(() =>
      expect(out.entries().find((line) => line["requestId"] === id)).toBeDefined(),
    );
    const lines = out.entries().filter((entry) => entry["requestId"] === id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      audit: true,
      event: "tool-call",
      mount: "calc",
      status: 200,
      via: "anonymous",
      tool: "add",
      outcome: "ok",
    });

    const families = parse(await (await fetch(`${origin}/metrics`)).text());
    const calls = families.find((family) => family.name === "berth_calls_total")!;
    expect(calls.metrics).toEqual([
      {
        value: "1",
        labels: { server: "calculator", method: "tools/call", tool: "add", outcome: "ok" },
      },
    ]);
    const requests = families.find((family) => family.name === "berth_http_requests_total")!;
    expect(requests.metrics).toContainEqual({
      value: "1",
      labels: { mount: "calc", method: "POST", status: "200" },
    });
  });

  it("names the tool of a 2025-era request, which has no Mcp-Name header", async () => {
    const initialize = await post({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "t", version: "1" },
      },
    });
    await initialize.text();
    const session = {
      "mcp-session-id": initialize.headers.get("mcp-session-id")!,
      "mcp-protocol-version": "2025-11-25",
    };
    await (await post({ jsonrpc: "2.0", method: "notifications/initialized" }, session)).text();
    const call = await post(
      {
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "add", arguments: { a: 1, b: 1 } },
      },
      session,
    );
    expect(await call.text()).toContain('"2"');
    const id = call.headers.get("x-request-id");
    await vi.waitFor(() =>
      expect(out.entries().find((line) => line["requestId"] === id)).toBeDefined(),
    );
    const line = out.entries().find((entry) => entry["requestId"] === id);
    expect(line).toMatchObject({ event: "tool-call", tool: "add", mount: "calc", status: 200 });
  });
});
