import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureServer } from "../support/fixture.js";
import { json, rawRequest, startHttp, type TestHttp } from "../support/http.js";

let http: TestHttp;
beforeAll(async () => {
  http = await startHttp(fixtureServer(), { maxBodyBytes: 64 * 1024 });
});
afterAll(() => http.close());

async function stillServes() {
  const { body } = await http.modern("tools/call", { name: "echo", arguments: { text: "alive" } });
  expect(body.result.content[0].text).toBe("alive");
}

const MODERN = { "mcp-protocol-version": "2026-07-28" };

describe("bad input over HTTP", () => {
  it.each([
    ["truncated JSON", '{"jsonrpc":"2.0","id":1,'],
    ["not JSON at all", "hello"],
    ["an empty body", ""],
  ])("answers %s with -32700 and 400", async (_what, body) => {
    const response = await http.raw(body);
    expect(response.status).toBe(400);
    expect((await json(response)).error).toMatchObject({ code: -32700 });
    await stillServes();
  });

  it.each([
    ["a JSON array (batch)", "[]"],
    ["a number", "42"],
    ["a wrong jsonrpc version", '{"jsonrpc":"1.0","id":1,"method":"tools/list"}'],
    ["a non-string method", '{"jsonrpc":"2.0","id":1,"method":7}'],
    ["an object id", '{"jsonrpc":"2.0","id":{},"method":"tools/list"}'],
    ["array params", '{"jsonrpc":"2.0","id":1,"method":"tools/list","params":[]}'],
  ])("answers %s with -32600 and 400", async (_what, body) => {
    const response = await http.raw(body);
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe(-32600);
    await stillServes();
  });

  it("answers an unknown method with -32601", async () => {
    const { status, body } = await http.modern("tools/dance");
    expect(status).toBe(404);
    expect(body.error).toMatchObject({ code: -32601, message: "Method not found: tools/dance" });
    await stillServes();
  });

  it.each([
    ["tools/call without a name", "tools/call", {}, "'name'"],
    [
      "tools/call with array arguments",
      "tools/call",
      { name: "echo", arguments: [1] },
      "'arguments'",
    ],
    ["resources/read without a uri", "resources/read", {}, "'uri'"],
    [
      "prompts/get without a required argument",
      "prompts/get",
      { name: "greet", arguments: {} },
      "'name'",
    ],
    [
      "prompts/get with a non-string argument",
      "prompts/get",
      { name: "greet", arguments: { name: 5 } },
      "'name'",
    ],
    ["a cursor this server never issued", "tools/list", { cursor: "bogus" }, "'cursor'"],
    [
      "completion/complete without a ref",
      "completion/complete",
      { argument: { name: "a", value: "" } },
      "'ref'",
    ],
  ])("answers %s with -32602 naming the field", async (_what, method, params, field) => {
    const { body } = await http.modern(method, params);
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toContain(field);
    await stillServes();
  });

  it("answers a body over the limit with 413", async () => {
    const big = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/list",
      params: { pad: "x".repeat(100_000) },
    });
    const response = await http.raw(big, MODERN);
    expect(response.status).toBe(413);
    await stillServes();
  });

  it("answers a wrong content type with 415", async () => {
    const response = await http.raw('{"jsonrpc":"2.0","id":1,"method":"tools/list"}', {
      "content-type": "text/plain",
    });
    expect(response.status).toBe(415);
    await stillServes();
  });

  it("refuses a foreign Host header (DNS rebinding) with 403", async () => {
    const response = await rawRequest(http.url, "{}", { host: "evil.example:80" });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body).error.message).toContain("evil.example");
    await stillServes();
  });

  it("refuses a foreign Origin with 403 and accepts a loopback one", async () => {
    const foreign = await http.raw("{}", { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    const { body } = await http.modern(
      "tools/list",
      {},
      { headers: { origin: "http://localhost:5173" } },
    );
    expect(body.result.tools.length).toBeGreaterThan(0);
  });

  it("answers methods other than POST, GET and DELETE with 405", async () => {
    const response = await http.raw("{}", {}, "PUT");
    expect(response.status).toBe(405);
    await stillServes();
  });

  it("keeps serving after a client disconnects mid-request", async () => {
    const controller = new AbortController();
    const request = fetch(http.url, {
      method: "POST",
      signal: controller.signal,
      headers: {
        "content-type": "application/json",
        ...MODERN,
        "mcp-method": "tools/call",
        "mcp-name": "wait",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: {
          name: "wait",
          arguments: { ms: 5000 },
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      }),
    }).catch(() => undefined);
    setTimeout(() => controller.abort(), 50);
    await request;
    await new Promise((r) => setTimeout(r, 100));
    const { body } = await http.modern("tools/call", { name: "cancelled_count", arguments: {} });
    expect(Number(body.result.content[0].text)).toBeGreaterThanOrEqual(1);
  });
});

describe("host allow-list behind a proxy", () => {
  it("accepts configured hosts and origins only", async () => {
    const proxied = await startHttp(fixtureServer(), {
      allowedHosts: ["mcp.example.com"],
      allowedOrigins: ["https://app.example.com"],
    });
    try {
      const ok = await rawRequest(proxied.url, "{}", {
        host: "mcp.example.com",
        origin: "https://app.example.com",
      });
      expect(ok.status).toBe(400);
      const badHost = await rawRequest(proxied.url, "{}", { host: "127.0.0.1" });
      expect(badHost.status).toBe(403);
      const badOrigin = await rawRequest(proxied.url, "{}", {
        host: "mcp.example.com",
        origin: "http://localhost",
      });
      expect(badOrigin.status).toBe(403);
    } finally {
      await proxied.close();
    }
  });
});
