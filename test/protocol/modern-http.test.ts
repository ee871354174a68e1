import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureServer } from "../support/fixture.js";
import { json, modernMeta, sseMessages, startHttp, type TestHttp } from "../support/http.js";

let http: TestHttp;
beforeAll(async () => {
  http = await startHttp(fixtureServer());
});
afterAll(() => http.close());

const SERVER_INFO = "io.modelcontextprotocol/serverInfo";

describe("2026-07-28 over HTTP", () => {
  it("answers server/discover with versions, capabilities, instructions and cache hints", async () => {
    const { status, body } = await http.modern("server/discover");
    expect(status).toBe(200);
    expect(body.result).toMatchObject({
      resultType: "complete",
      supportedVersions: ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"],
      instructions: "Test fixture.",
      cacheScope: "public",
    });
    expect(body.result.capabilities.tools).toBeDefined();
    expect(body.result.ttlMs).toBeGreaterThanOrEqual(0);
    expect(body.result._meta[SERVER_INFO]).toEqual({ name: "fixture", version: "1.2.3" });
    expect(body.result.serverInfo).toBeUndefined();
  });

  it("lists tools in a deterministic order with cache hints and serverInfo", async () => {
    const first = await http.modern("tools/list");
    const second = await http.modern("tools/list");
    const names = first.body.result.tools.map((t: { name: string }) => t.name);
    expect(names).toEqual([...names].sort());
    expect(second.body.result.tools).toEqual(first.body.result.tools);
    expect(first.body.result).toMatchObject({ resultType: "complete", cacheScope: "public" });
    expect(first.body.result._meta[SERVER_INFO].name).toBe("fixture");
  });

  it("calls a tool and returns resultType complete", async () => {
    const { body } = await http.modern("tools/call", { name: "add", arguments: { a: 2, b: 3 } });
    expect(body.result).toMatchObject({ resultType: "complete", structuredContent: { sum: 5 } });
  });

  it("turns a thrown error into an isError result carrying the message", async () => {
    const { body } = await http.modern("tools/call", { name: "fail", arguments: {} });
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0].text).toBe("the tool broke on purpose");
  });

  it("reports invalid tool arguments as a tool error naming the field", async () => {
    const { body } = await http.modern("tools/call", { name: "echo", arguments: { text: 42 } });
    expect(body.result.isError).toBe(true);
    expect(body.result.content[0].text).toContain("'text'");
  });

  it("rejects an unknown tool with -32602", async () => {
    const { body } = await http.modern("tools/call", { name: "nope", arguments: {} });
    expect(body.error).toMatchObject({ code: -32602, message: "Unknown tool: nope" });
  });

  it("reads resources with cache hints and reports a missing one as -32602", async () => {
    const ok = await http.modern("resources/read", { uri: "users://alice/profile" });
    expect(ok.body.result.contents[0]).toMatchObject({
      uri: "users://alice/profile",
      mimeType: "application/json",
    });
    expect(ok.body.result).toMatchObject({
      resultType: "complete",
      ttlMs: 0,
      cacheScope: "public",
    });
    const missing = await http.modern("resources/read", { uri: "file:///missing" });
    expect(missing.body.error.code).toBe(-32602);
    expect(missing.body.error.data).toEqual({ uri: "file:///missing" });
  });

  it("completes prompt arguments and template variables", async () => {
    const prompt = await http.modern("completion/complete", {
      ref: { type: "ref/prompt", name: "greet" },
      argument: { name: "tone", value: "w" },
    });
    expect(prompt.body.result.completion.values).toEqual(["warm", "wry"]);
    const template = await http.modern("completion/complete", {
      ref: { type: "ref/resource", uri: "users://{id}/profile" },
      argument: { name: "id", value: "b" },
    });
    expect(template.body.result.completion.values).toEqual(["bob"]);
  });

  it("streams progress and logs only when asked, then the result, over SSE", async () => {
    const response = await http.raw(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: {
          name: "progress",
          arguments: {},
          _meta: modernMeta(
            {},
            { progressToken: "tok", "io.modelcontextprotocol/logLevel": "info" },
          ),
        },
      }),
      { "mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call", "mcp-name": "progress" },
    );
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const messages = sseMessages(await response.text());
    expect(messages.map((m) => m.method ?? "result")).toEqual([
      "notifications/message",
      "notifications/progress",
      "notifications/progress",
      "result",
    ]);
    expect(messages[0].params).toEqual({ level: "info", data: "starting" });
  });

  it("sends no log messages when the request sets no log level", async () => {
    const { body } = await http.modern("tools/call", { name: "progress", arguments: {} });
    expect(body.result.content[0].text).toBe("ok");
  });

  it("rejects an invalid log level with -32602", async () => {
    const { status, body } = await http.modern("tools/list", {
      _meta: { "io.modelcontextprotocol/logLevel": "loud" },
    });
    expect(status).toBe(400);
    expect(body.error.code).toBe(-32602);
  });
});

describe("2026-07-28 multi-round-trip input", () => {
  const caps = { elicitation: {} };
  const call = (params: Record<string, unknown>) =>
    http.modern("tools/call", { name: "ask", arguments: {}, _meta: modernMeta(caps), ...params });

  it("asks, re-runs the handler with the answers, and finishes", async () => {
    const first = await call({});
    expect(first.body.result.resultType).toBe("input_required");
    expect(first.body.result.inputRequests["elicitation-1"].method).toBe("elicitation/create");
    expect(first.body.result.ttlMs).toBeUndefined();
    const second = await call({
      inputResponses: { "elicitation-1": { action: "accept", content: { name: "Ada" } } },
      requestState: first.body.result.requestState,
    });
    expect(second.body.result.resultType).toBe("input_required");
    expect(Object.keys(second.body.result.inputRequests)).toEqual(["elicitation-2"]);
    const third = await call({
      inputResponses: { "elicitation-2": { action: "accept", content: { colour: "teal" } } },
      requestState: second.body.result.requestState,
    });
    expect(third.body.result).toMatchObject({
      resultType: "complete",
      content: [{ text: "Ada likes teal" }],
    });
  });

  it("refuses a tampered requestState", async () => {
    const first = await call({
      inputResponses: { "elicitation-1": { action: "accept", content: { name: "Ada" } } },
    });
    const state: string = first.body.result.requestState;
    const [body, mac] = state.split(".");
    const payload = JSON.parse(Buffer.from(body!, "base64url").toString());
    payload.answers["elicitation-1"].content.name = "Mallory";
    const forged = `${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${mac}`;
    const { body: reply } = await call({
      inputResponses: { "elicitation-2": { action: "accept", content: { colour: "red" } } },
      requestState: forged,
    });
    expect(reply.error.code).toBe(-32602);
    expect(reply.error.message).toContain("requestState");
  });

  it("refuses a requestState replayed on another request", async () => {
    const first = await call({});
    const { body } = await http.modern("tools/call", {
      name: "sample",
      arguments: {},
      requestState: first.body.result.requestState,
      _meta: modernMeta({ sampling: {} }),
    });
    expect(body.error.message).toContain("different request");
  });

  it("answers -32021 when the client did not declare the capability a handler needs", async () => {
    const { status, body } = await http.modern("tools/call", { name: "ask", arguments: {} });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      code: -32021,
      data: { requiredCapabilities: { elicitation: {} } },
    });
  });
});

describe("2026-07-28 request validation", () => {
  it("refuses a missing _meta protocol version with -32602 and 400", async () => {
    const response = await http.raw(
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
      {
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/list",
      },
    );
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe(-32602);
  });

  it("refuses an unsupported version with -32022 listing the supported ones", async () => {
    const response = await http.raw(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/list",
        params: {
          _meta: { ...modernMeta(), "io.modelcontextprotocol/protocolVersion": "2099-01-01" },
        },
      }),
      { "mcp-protocol-version": "2099-01-01", "mcp-method": "tools/list" },
    );
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.error.code).toBe(-32022);
    expect(body.error.data).toEqual({
      supported: expect.arrayContaining(["2026-07-28", "2025-11-25"]),
      requested: "2099-01-01",
    });
  });

  it.each([
    ["a missing Mcp-Method", { "mcp-method": undefined }],
    ["a wrong Mcp-Method", { "mcp-method": "tools/list" }],
    ["a missing Mcp-Name", { "mcp-name": undefined }],
    ["a wrong Mcp-Name", { "mcp-name": "add" }],
    ["a wrong MCP-Protocol-Version", { "mcp-protocol-version": "2025-11-25" }],
    ["broken base64 in Mcp-Name", { "mcp-name": "=?base64?@@@?=" }],
  ])("refuses %s with -32020 and 400", async (_what, override) => {
    const headers: Record<string, string> = {
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "echo",
    };
    for (const [key, value] of Object.entries(override)) {
      if (value === undefined) delete headers[key];
      else headers[key] = value;
    }
    const response = await http.raw(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 3,
        method: "tools/call",
        params: { name: "echo", arguments: { text: "x" }, _meta: modernMeta() },
      }),
      headers,
    );
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe(-32020);
  });

  it("accepts Mcp-Name in its base64 form", async () => {
    const { body } = await http.modern(
      "tools/call",
      { name: "echo", arguments: { text: "hi" } },
      {
        headers: { "mcp-name": `=?base64?${Buffer.from("echo").toString("base64")}?=` },
      },
    );
    expect(body.result.content[0].text).toBe("hi");
  });

  it("checks Mcp-Param headers against x-mcp-header arguments", async () => {
    const call = (args: Record<string, unknown>, headers: Record<string, string>) =>
      http.modern("tools/call", { name: "regional", arguments: args }, { headers });
    const ok = await call(
      { region: "eu-west", shards: 42 },
      { "mcp-param-region": "eu-west", "mcp-param-shards": "42.0" },
    );
    expect(ok.body.result.content[0].text).toBe("eu-west:42");
    const encoded = await call(
      { region: "Zürich" },
      { "mcp-param-region": `=?base64?${Buffer.from("Zürich").toString("base64")}?=` },
    );
    expect(encoded.body.result.content[0].text).toBe("Zürich:1");
    const literal = await call({ region: "SGVsbG8=" }, { "mcp-param-region": "SGVsbG8=" });
    expect(literal.body.result.content[0].text).toBe("SGVsbG8=:1");
    for (const [args, headers] of [
      [{ region: "eu-west" }, {}],
      [{ region: "eu-west" }, { "mcp-param-region": "us-east" }],
      [{ region: "Hello" }, { "mcp-param-region": "=?base64?SGVsbG8?=" }],
      [{ region: "Hello" }, { "mcp-param-region": "=?base64?SGVs!!!bG8=?=" }],
      [
        { region: "eu", shards: 3 },
        { "mcp-param-region": "eu", "mcp-param-shards": "4" },
      ],
      [
        { region: "eu", dryRun: true },
        { "mcp-param-region": "eu", "mcp-param-dry-run": "True" },
      ],
      [{ region: "eu" }, { "mcp-param-region": "eu", "mcp-param-shards": "4" }],
    ] as const) {
      const { status, body } = await call(args, headers);
      expect(status).toBe(400);
      expect(body.error.code).toBe(-32020);
    }
  });

  it("answers an unknown method with -32601 and 404", async () => {
    const { status, body } = await http.modern("ping");
    expect(status).toBe(404);
    expect(body.error.code).toBe(-32601);
  });

  it("answers GET and DELETE from 2026 clients with 405", async () => {
    for (const method of ["GET", "DELETE"]) {
      const response = await http.raw("", { "mcp-protocol-version": "2026-07-28" }, method);
      expect(response.status).toBe(405);
      expect(response.headers.get("allow")).toBe("POST");
    }
  });

  it("accepts a notification with 202", async () => {
    const response = await http.raw(
      JSON.stringify({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: 1, _meta: modernMeta() },
      }),
      { "mcp-protocol-version": "2026-07-28", "mcp-method": "notifications/cancelled" },
    );
    expect(response.status).toBe(202);
  });
});

describe("2026-07-28 subscriptions/listen", () => {
  it("acknowledges first, then forwards the changes that were asked for", async () => {
    const server = fixtureServer();
    const local = await startHttp(server);
    const controller = new AbortController();
    try {
      const response = await local.raw(
        JSON.stringify({
          jsonrpc: "2.0",
          id: "listen-1",
          method: "subscriptions/listen",
          params: {
            _meta: modernMeta(),
            notifications: { toolsListChanged: true, resourceSubscriptions: ["file:///readme.md"] },
          },
        }),
        { "mcp-protocol-version": "2026-07-28", "mcp-method": "subscriptions/listen" },
      );
      expect(response.headers.get("content-type")).toBe("text/event-stream");
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      const next = async () => {
        while (!text.includes("\n\n")) {
          const { value, done } = await reader.read();
          if (done) throw new Error("stream ended");
          text += decoder.decode(value);
        }
        const at = text.indexOf("\n\n");
        const event = text.slice(0, at);
        text = text.slice(at + 2);
        return sseMessages(`${event}\n`)[0];
      };
      const ack = await next();
      expect(ack).toMatchObject({
        method: "notifications/subscriptions/acknowledged",
        params: {
          _meta: { "io.modelcontextprotocol/subscriptionId": "listen-1" },
          notifications: { toolsListChanged: true, resourceSubscriptions: ["file:///readme.md"] },
        },
      });
      server.prompt("unwatched", {}, () => "x");
      server.tool("late", {}, () => "late");
      server.resourceUpdated("file:///readme.md");
      expect(await next()).toMatchObject({ method: "notifications/tools/list_changed" });
      expect(await next()).toMatchObject({
        method: "notifications/resources/updated",
        params: {
          uri: "file:///readme.md",
          _meta: { "io.modelcontextprotocol/subscriptionId": "listen-1" },
        },
      });
      await reader.cancel();
    } finally {
      controller.abort();
      await local.close();
    }
  });
});
