import { type ServerType, serve } from "@hono/node-server";
import { generateApiKey, RateLimitedError, ResourceServer } from "berth";
import { createFetchHandler, type FetchHandler, type FetchHandlerOptions } from "berth/fetch";
import { MemoryAuthStore } from "berth/store";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixtureServer } from "../support/fixture.js";
import { json, readJsonRpc, sseMessages } from "../support/http.js";
import { expectSession, MODERN_CLIENT, modernInit, oversized, rawInit } from "./support.js";

const URL_MCP = "http://localhost/mcp";
const handlers: FetchHandler[] = [];

function handler(options: FetchHandlerOptions = {}): FetchHandler {
  const created = createFetchHandler(fixtureServer(), options);
  handlers.push(created);
  return created;
}

afterEach(() => {
  for (const h of handlers.splice(0)) h.close();
});

const call = (h: FetchHandler, init: RequestInit, url = URL_MCP) => h(new Request(url, init));

describe("fetch handler with the official client", () => {
  let node: ServerType;
  let url: URL;
  beforeAll(async () => {
    const h = handler();
    await new Promise<void>((resolve) => {
      node = serve({ fetch: h, port: 0, hostname: "127.0.0.1" }, (info) => {
        url = new URL(`http://127.0.0.1:${info.port}/mcp`);
        resolve();
      });
    });
  });
  afterAll(() => new Promise<void>((resolve) => node.close(() => resolve())));

  it("completes discovery, tools/list and tools/call on 2026-07-28", async () => {
    await expectSession(MODERN_CLIENT, url);
  });
});

describe("fetch handler answers", () => {
  it("server/discover with the versions it speaks and serverInfo", async () => {
    const response = await call(handler(), modernInit("server/discover"));
    expect(response.status).toBe(200);
    const body = await json(response);
    expect(body.result.supportedVersions).toContain("2026-07-28");
    expect(body.result._meta["io.modelcontextprotocol/serverInfo"]).toMatchObject({
      name: "fixture",
    });
  });

  it("a tool call with plain JSON when the handler sends nothing first", async () => {
    const response = await call(
      handler(),
      modernInit("tools/call", { name: "echo", arguments: { text: "hi" } }),
    );
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = await json(response);
    expect(body.result).toMatchObject({ resultType: "complete", content: [{ text: "hi" }] });
  });

  it("progress and logs as an event stream, then the result", async () => {
    const response = await call(
      handler(),
      modernInit("tools/call", {
        name: "progress",
        arguments: {},
        _meta: { progressToken: "p", "io.modelcontextprotocol/logLevel": "info" },
      }),
    );
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const messages = sseMessages(await response.text());
    expect(messages.map((m) => m.method ?? "result")).toEqual([
      "notifications/message",
      "notifications/progress",
      "notifications/progress",
      "result",
    ]);
    expect(messages[3].result.content[0].text).toBe("ok");
  });

  it("only the result as JSON to a client that does not accept event streams", async () => {
    const init = modernInit(
      "tools/call",
      { name: "progress", arguments: {}, _meta: { progressToken: "p" } },
      { accept: "application/json" },
    );
    const response = await call(handler(), init);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect((await json(response)).result.content[0].text).toBe("ok");
  });

  it("a notification with 202 and no body", async () => {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId: 1, _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } },
    });
    const response = await call(
      handler(),
      rawInit(body, { "mcp-method": "notifications/cancelled" }),
    );
    expect(response.status).toBe(202);
    expect(await response.text()).toBe("");
  });

  it("a rate-limited call with 429 and Retry-After", async () => {
    const h = handler({
      observer: {
        start() {
          throw new RateLimitedError("Too many calls", 7);
        },
      },
    });
    const response = await call(
      h,
      modernInit("tools/call", { name: "echo", arguments: { text: "x" } }),
    );
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("7");
    expect((await json(response)).error.code).toBe(-32029);
  });

  it("cancels the handler when the client aborts the request", async () => {
    const h = handler();
    const controller = new AbortController();
    const pending = call(h, {
      ...modernInit("tools/call", { name: "wait", arguments: { ms: 10_000 } }),
      signal: controller.signal,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    controller.abort();
    await pending;
    const count = await call(
      h,
      modernInit("tools/call", { name: "cancelled_count", arguments: {} }),
    );
    expect((await json(count)).result.content[0].text).toBe("1");
  });
});

describe("fetch handler refuses", () => {
  it("a body that is not JSON with 400 and a JSON-RPC parse error", async () => {
    const response = await call(handler(), rawInit("{not json", { "mcp-method": "tools/list" }));
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe(-32700);
  });

  it("a body past the limit it declares with 413", async () => {
    const response = await call(handler({ maxBodyBytes: 1024 }), rawInit(oversized(4096)));
    expect(response.status).toBe(413);
    expect((await json(response)).error.message).toContain("1024 bytes");
  });

  it("a streamed body past the limit with 413, without reading the rest", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 1000) controller.close();
        else controller.enqueue(new Uint8Array(1024).fill(32));
      },
    });
    const response = await call(handler({ maxBodyBytes: 4096 }), {
      ...rawInit(""),
      body,
      duplex: "half",
    } as RequestInit);
    expect(response.status).toBe(413);
    expect(pulled).toBeLessThan(20);
  });

  it("a body that is not JSON by its content type with 415", async () => {
    const response = await call(handler(), rawInit("{}", { "content-type": "text/plain" }));
    expect(response.status).toBe(415);
  });

  it("a batch with 400 and -32600", async () => {
    const response = await call(handler(), rawInit("[]"));
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe(-32600);
  });

  it("an Mcp-Name that does not match the body with 400 and -32020", async () => {
    const init = modernInit(
      "tools/call",
      { name: "echo", arguments: { text: "x" } },
      { "mcp-name": "add" },
    );
    const response = await call(handler(), init);
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe(-32020);
  });

  it("a 2025-era initialize with 400 saying it speaks 2026-07-28", async () => {
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "old", version: "1" },
      },
    });
    const response = await call(handler(), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body,
    });
    expect(response.status).toBe(400);
    const { error, id } = await json(response);
    expect(id).toBe(1);
    expect(error.code).toBe(-32022);
    expect(error.message).toContain("speaks MCP 2026-07-28 only");
    expect(error.data).toEqual({ supported: ["2026-07-28"], requested: "2025-11-25" });
  });

  it("GET with 405, allowing POST", async () => {
    const response = await call(handler(), { method: "GET" });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
  });

  it("a browser on another origin with 403", async () => {
    const init = modernInit("tools/list", {}, { origin: "https://evil.example" });
    expect((await call(handler(), init)).status).toBe(403);
    const local = modernInit("tools/list", {}, { origin: "http://localhost:6274" });
    expect((await call(handler(), local)).status).toBe(200);
  });

  it("a Host outside allowedHosts with 403, and a listed one not", async () => {
    const h = handler({ allowedHosts: ["mcp.example.com"] });
    const refused = await call(h, modernInit("tools/list"), "https://rebound.example/mcp");
    expect(refused.status).toBe(403);
    const served = await call(h, modernInit("tools/list"), "https://mcp.example.com/mcp");
    expect(served.status).toBe(200);
  });
});

describe("fetch handler with auth", () => {
  const store = new MemoryAuthStore();
  let key: string;
  let h: FetchHandler;
  beforeAll(async () => {
    const now = Date.now();
    await store.createUser({
      id: "u1",
      username: "alice",
      displayName: null,
      passwordHash: null,
      disabled: false,
      createdAt: now,
      updatedAt: now,
    });
    const generated = generateApiKey();
    key = generated.key;
    await store.createApiKey({
      id: "k1",
      name: "laptop",
      ownerId: "u1",
      scopes: [],
      hash: generated.hash,
      prefix: generated.prefix,
      createdAt: now,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    const auth = new ResourceServer({
      store,
      authorizationServers: ["https://login.example.com"],
    });
    h = createFetchHandler(fixtureServer(), { auth, allowedHosts: ["mcp.example.com"] });
  });
  afterAll(() => h.close());

  it("refuses a request without credentials with 401 and a challenge, before the body is read", async () => {
    const request = new Request("https://mcp.example.com/mcp", modernInit("tools/list"));
    const response = await h(request);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toContain(
      'resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource/mcp"',
    );
    expect(request.bodyUsed).toBe(false);
  });

  it("serves a caller with an API key", async () => {
    const init = modernInit("tools/list", {}, { authorization: `Bearer ${key}` });
    const response = await call(h, init, "https://mcp.example.com/mcp");
    expect(response.status).toBe(200);
    const body = await readJsonRpc(response);
    expect(body.result.cacheScope).toBe("private");
  });

  it("answers the protected-resource metadata for the endpoint", async () => {
    const response = await call(
      h,
      { method: "GET" },
      "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
    );
    expect(response.status).toBe(200);
    expect(await json(response)).toMatchObject({
      resource: "https://mcp.example.com/mcp",
      authorization_servers: ["https://login.example.com"],
    });
  });
});

describe("fetch handler subscriptions/listen", () => {
  it("acknowledges, forwards list changes, and ends the stream on close", async () => {
    const server = fixtureServer();
    const h = createFetchHandler(server, { keepAliveMs: 0 });
    const response = await h(
      new Request(
        URL_MCP,
        modernInit("subscriptions/listen", { notifications: { toolsListChanged: true } }),
      ),
    );
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    server.tool("late", {}, () => "late");
    h.close();
    const messages = sseMessages(await response.text());
    expect(messages.map((m) => m.method ?? "result")).toEqual([
      "notifications/subscriptions/acknowledged",
      "notifications/tools/list_changed",
      "result",
    ]);
  });
});
