import { createServer as createNodeServer, type Server as NodeServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { WebSocketClientTransport } from "@modelcontextprotocol/sdk/client/websocket.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import {
  createServer,
  createWebSocketEndpoint,
  RateLimitedError,
  type RunningHttpServer,
  type ServeHttpOptions,
  type Server,
  serveHttp,
  type WebSocketEndpoint,
  type WebSocketEndpointOptions,
} from "berth";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { keyedResourceServer } from "../support/api-keys.js";
import { fixtureServer } from "../support/fixture.js";
import { modernMeta } from "../support/http.js";

const TIMEOUT = { timeout: 5_000 };
const CLIENT_INFO = { name: "websocket-test", version: "1.0.0" };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Berth over serveHttp with WebSocket on; returns the ws:// URL of the MCP path. */
async function start(options: ServeHttpOptions = {}): Promise<URL> {
  const http: RunningHttpServer = await serveHttp(fixtureServer(), {
    port: 0,
    websocket: true,
    ...options,
  });
  cleanups.push(() => http.close());
  const url = new URL(http.url);
  url.protocol = "ws:";
  return url;
}

/** The endpoint on a bare node:http listener, as a host mounts it. */
async function startEndpoint(
  server: Server,
  options: WebSocketEndpointOptions,
): Promise<{ url: string; endpoint: WebSocketEndpoint }> {
  const endpoint = createWebSocketEndpoint(server, options);
  const http: NodeServer = createNodeServer((_req, res) => res.writeHead(404).end());
  http.on("upgrade", (req, socket, head) => endpoint.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        endpoint.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  );
  return { url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}/`, endpoint };
}

type Handshake =
  | { socket: WebSocket }
  | { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/** Open a raw WebSocket; resolves with the socket, or the HTTP refusal. */
function handshake(
  url: URL | string,
  protocols: string[] = ["mcp"],
  headers: Record<string, string> = {},
): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers });
    cleanups.push(() => socket.terminate());
    socket.once("open", () => resolve({ socket }));
    socket.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => {
        body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    socket.once("error", reject);
  });
}

async function open(url: URL | string, headers: Record<string, string> = {}) {
  const result = await handshake(url, ["mcp"], headers);
  if (!("socket" in result)) throw new Error(`handshake refused with ${result.status}`);
  const { socket } = result;
  const received: any[] = [];
  socket.on("message", (data) => received.push(JSON.parse(String(data))));
  const answer = async (id: number) => {
    for (let i = 0; i < 500; i++) {
      const found = received.find((m) => m.id === id && ("result" in m || "error" in m));
      if (found) return found;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no answer to ${id}`);
  };
  let code: number | undefined;
  socket.once("close", (closeCode) => {
    code = closeCode;
  });
  /** The close code, or "open" when the connection is still open after three seconds. */
  const closed = async (): Promise<number | "open"> => {
    for (let i = 0; i < 300 && code === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    return code ?? "open";
  };
  return { socket, received, answer, closed };
}

function modernCall(id: number, name: string, args: Record<string, unknown>) {
  return JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name, arguments: args, _meta: modernMeta() },
  });
}

/** Run `body` with ws's WebSocket as the global the SDK's transport expects. */
async function withGlobalWebSocket(body: () => Promise<void>): Promise<void> {
  const global = globalThis as { WebSocket?: unknown };
  const original = global.WebSocket;
  global.WebSocket = WebSocket;
  try {
    await body();
  } finally {
    global.WebSocket = original;
  }
}

describe("WebSocket", () => {
  it("serves the v1 SDK's WebSocket client: lists tools and calls one", async () => {
    const url = await start();
    await withGlobalWebSocket(async () => {
      const client = new Client(CLIENT_INFO);
      await client.connect(new WebSocketClientTransport(url), TIMEOUT);
      const { tools } = await client.listTools(undefined, TIMEOUT);
      expect(tools.map((t) => t.name)).toContain("add");
      const result = await client.callTool({ name: "add", arguments: { a: 4, b: 5 } }, undefined, {
        ...TIMEOUT,
      });
      expect(result.structuredContent).toEqual({ sum: 9 });
      await client.close();
    });
  });

  it("asks a 2025-era client for input over the socket and uses its answers", async () => {
    const url = await start();
    await withGlobalWebSocket(async () => {
      const client = new Client(CLIENT_INFO, { capabilities: { elicitation: {} } });
      const answers = [{ name: "Grace" }, { colour: "blue" }];
      client.setRequestHandler(ElicitRequestSchema, async () => ({
        action: "accept",
        content: answers.shift()!,
      }));
      await client.connect(new WebSocketClientTransport(url), TIMEOUT);
      const result = await client.callTool({ name: "ask", arguments: {} }, undefined, TIMEOUT);
      expect(result.content).toEqual([{ type: "text", text: "Grace likes blue" }]);
      await client.close();
    });
  });

  it("answers a 2026-07-28 request without initialize", async () => {
    const c = await open(await start());
    c.socket.send(modernCall(1, "add", { a: 2, b: 3 }));
    expect((await c.answer(1)).result).toMatchObject({
      resultType: "complete",
      structuredContent: { sum: 5 },
      _meta: { "io.modelcontextprotocol/serverInfo": { name: "fixture" } },
    });
  });

  it("answers a message that is not JSON with -32700 and keeps the connection", async () => {
    const c = await open(await start());
    c.socket.send("{not json");
    c.socket.send(modernCall(2, "echo", { text: "still here" }));
    expect((await c.answer(2)).result.content).toEqual([{ type: "text", text: "still here" }]);
    expect(c.received.find((m) => m.error?.code === -32700)).toMatchObject({ id: null });
  });

  it("refuses a handshake that does not offer the mcp subprotocol", async () => {
    const url = await start();
    for (const protocols of [[], ["graphql-ws"]]) {
      const refused = await handshake(url, protocols);
      expect(refused).toMatchObject({ status: 400 });
      expect("body" in refused && refused.body).toContain("subprotocol 'mcp'");
    }
  });

  it("refuses a handshake from a foreign Origin", async () => {
    const refused = await handshake(await start(), ["mcp"], { origin: "https://evil.example" });
    expect(refused).toMatchObject({ status: 403 });
  });

  it("refuses an upgrade on a path with no WebSocket endpoint", async () => {
    const url = await start();
    const refused = await handshake(new URL("/elsewhere", url));
    expect(refused).toMatchObject({ status: 404 });
  });

  it("refuses a handshake without credentials with 401 and opens one with a key", async () => {
    const { auth, keys } = await keyedResourceServer();
    const url = await start({ auth });
    const refused = await handshake(url);
    expect(refused).toMatchObject({ status: 401 });
    expect("headers" in refused && refused.headers["www-authenticate"]).toContain(
      "resource_metadata=",
    );
    const c = await open(url, { authorization: `Bearer ${keys.alice}` });
    c.socket.send(modernCall(1, "echo", { text: "signed" }));
    expect((await c.answer(1)).result.content).toEqual([{ type: "text", text: "signed" }]);
  });

  it("closes with 1008 once the connection's key is revoked (regression: kept working)", async () => {
    const { auth, keys, store } = await keyedResourceServer();
    const url = await start({ auth });
    const c = await open(url, { authorization: `Key ${keys.alice}` });
    c.socket.send(modernCall(1, "echo", { text: "before" }));
    expect((await c.answer(1)).result.content).toEqual([{ type: "text", text: "before" }]);
    await store.revokeApiKey("key-alice", Date.now());
    c.socket.send(modernCall(2, "echo", { text: "after" }));
    expect(await c.closed()).toBe(1008);
  });

  it("closes with 1009 on a message larger than the limit", async () => {
    const c = await open(await start({ maxBodyBytes: 1024 }));
    c.socket.send(modernCall(1, "echo", { text: "x".repeat(2048) }));
    expect(await c.closed()).toBe(1009);
  });

  it("closes with 1003 on a binary frame", async () => {
    const c = await open(await start());
    c.socket.send(Buffer.from(modernCall(1, "echo", { text: "binary" })));
    expect(await c.closed()).toBe(1003);
  });

  it("closes with 1001 when the server closes", async () => {
    const { url, endpoint } = await startEndpoint(fixtureServer(), {});
    const c = await open(url);
    expect(endpoint.connectionCount).toBe(1);
    endpoint.close();
    expect(await c.closed()).toBe(1001);
  });

  it("closes with 1013 a client that stops reading, instead of buffering for it", async () => {
    const server = createServer({ name: "big", version: "1" });
    let calls = 0;
    server.tool("big", {}, () => {
      calls++;
      return "x".repeat(256 * 1024);
    });
    const { url } = await startEndpoint(server, { maxBufferedBytes: 64 * 1024 });
    const c = await open(url);
    const received = { count: 0 };
    c.socket.on("message", () => received.count++);
    c.socket.pause();
    for (let id = 1; id <= 100; id++) c.socket.send(modernCall(id, "big", {}));
    // Wait until the server stops calling: every request answered, or the connection closing.
    for (let last = -1; last !== calls; ) {
      last = calls;
      await new Promise((r) => setTimeout(r, 100));
    }
    c.socket.resume();
    expect(await c.closed()).toBe(1013);
    expect(received.count).toBeLessThan(100);
  });

  it("pings connections to keep them alive", async () => {
    const { url } = await startEndpoint(fixtureServer(), { pingIntervalMs: 20 });
    const c = await open(url);
    await new Promise<void>((resolve) => c.socket.once("ping", () => resolve()));
    c.socket.send(modernCall(1, "echo", { text: "after ping" }));
    expect((await c.answer(1)).result.content[0].text).toBe("after ping");
  });

  it("lets an observer refuse calls, answered with the observer's error", async () => {
    const seen: string[] = [];
    const { url } = await startEndpoint(fixtureServer(), {
      observer: {
        start(call) {
          seen.push(`${call.method} ${call.name}`);
          if (call.name === "add") throw new RateLimitedError("Slow down", 3);
          return undefined;
        },
      },
    });
    const c = await open(url);
    c.socket.send(modernCall(1, "add", { a: 1, b: 1 }));
    expect((await c.answer(1)).error).toMatchObject({
      code: -32029,
      data: { retryAfterSeconds: 3 },
    });
    c.socket.send(modernCall(2, "echo", { text: "fine" }));
    expect((await c.answer(2)).result.content[0].text).toBe("fine");
    expect(seen).toEqual(["tools/call add", "tools/call echo"]);
  });
});
