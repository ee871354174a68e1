import { createServer as createNodeServer } from "node:http";
import { connect, type Socket } from "node:net";
import { applyListenerLimits, createServer, listenerOptions } from "berth";
import { afterEach, describe, expect, it } from "vitest";
import { modernMeta, startHttp, type TestHttp } from "../../support/http.js";

let http: TestHttp | undefined;
const sockets = new Set<Socket>();
const timers = new Set<NodeJS.Timeout>();
afterEach(async () => {
  for (const timer of timers) clearTimeout(timer);
  timers.clear();
  for (const socket of sockets) socket.destroy();
  sockets.clear();
  await http?.close();
  http = undefined;
});

function echoServer() {
  const server = createServer({ name: "echo", version: "1.0.0" });
  server.tool("ping", { description: "pong" }, () => "pong");
  return server;
}

/** What a raw connection received, and when it was closed (ms after it opened). */
interface RawOutcome {
  received: string;
  closedAfterMs: number;
}

/**
 * Open a raw connection to the server, write `head` at once, then `trickle` one byte
 * every `everyMs`; resolves when the server closes the connection, or after 6 s with
 * `closedAfterMs` Infinity when it never does.
 */
function rawConnection(
  url: string,
  head: string | Buffer,
  trickle = "",
  everyMs = 200,
): Promise<RawOutcome> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const opened = Date.now();
    const socket = connect(Number(port), hostname);
    sockets.add(socket);
    let received = "";
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => resolve({ received, closedAfterMs: Date.now() - opened }));
    const giveUp = setTimeout(() => resolve({ received, closedAfterMs: Infinity }), 6_000);
    timers.add(giveUp);
    socket.write(head);
    let at = 0;
    const timer = setInterval(() => {
      if (socket.destroyed || at >= trickle.length) return;
      socket.write(trickle[at++]!);
    }, everyMs);
    timers.add(timer);
  });
}

function callBody(): string {
  return JSON.stringify({
    jsonrpc: "2.0",
    id: 1,
    method: "tools/call",
    params: { name: "ping", arguments: {}, _meta: modernMeta() },
  });
}

const MODERN_HEADERS =
  "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n" +
  "MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: ping\r\n";

describe("listener limits of serveHttp", () => {
  it("cuts off a client trickling its headers after headersTimeoutMs, while serving others", async () => {
    http = await startHttp(echoServer(), {
      limits: { headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 },
    });
    const host = new URL(http.url).host;
    const loris = rawConnection(
      http.url,
      "",
      `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nX-Padding: ${"a".repeat(200)}\r\n\r\n`,
    );
    let served = 0;
    let closed = false;
    void loris.then(() => {
      closed = true;
    });
    const started = Date.now();
    while (!closed && Date.now() - started < 6_000) {
      const { status, body } = await http.modern("tools/call", { name: "ping", arguments: {} });
      expect(status).toBe(200);
      expect(body.result.content[0].text).toBe("pong");
      served++;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const { received, closedAfterMs } = await loris;
    expect(received === "" || received.startsWith("HTTP/1.1 408")).toBe(true);
    expect(closedAfterMs).toBeGreaterThanOrEqual(900);
    expect(closedAfterMs).toBeLessThan(3_000);
    expect(served).toBeGreaterThan(3);
  });

  it("cuts off a client trickling its body after requestTimeoutMs", async () => {
    http = await startHttp(echoServer(), {
      limits: { headersTimeoutMs: 500, requestTimeoutMs: 1_500 },
    });
    const body = callBody();
    const target = new URL(http.url);
    const head =
      `POST /mcp HTTP/1.1\r\nHost: ${target.host}\r\n${MODERN_HEADERS}` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const { received, closedAfterMs } = await rawConnection(http.url, head, body);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(closedAfterMs).toBeGreaterThanOrEqual(1_400);
    expect(closedAfterMs).toBeLessThan(3_500);
  });

  it("refuses a body over maxBodyBytes with 413 and a JSON-RPC error, and closes the connection", async () => {
    http = await startHttp(echoServer(), { maxBodyBytes: 1024 });
    const target = new URL(http.url);
    const big = JSON.stringify({ padding: "x".repeat(64 * 1024) });
    // Chunked, so the size is only found out while reading.
    const head =
      `POST /mcp HTTP/1.1\r\nHost: ${target.host}\r\n${MODERN_HEADERS}` +
      "Transfer-Encoding: chunked\r\n\r\n";
    const chunk = `${Buffer.byteLength(big).toString(16)}\r\n${big}\r\n`;
    const { received, closedAfterMs } = await rawConnection(http.url, head + chunk);
    const [headers, payload] = received.split("\r\n\r\n");
    expect(headers).toMatch(/^HTTP\/1\.1 413 /);
    expect(headers?.toLowerCase()).toContain("connection: close");
    expect(JSON.parse(payload ?? "")).toEqual({
      jsonrpc: "2.0",
      id: null,
      error: { code: -32600, message: "Request body is larger than the limit of 1024 bytes" },
    });
    expect(closedAfterMs).toBeLessThan(2_000);
  });

  it("refuses headers over maxHeaderBytes with 431", async () => {
    http = await startHttp(echoServer(), { limits: { maxHeaderBytes: 4096 } });
    const target = new URL(http.url);
    const head = `POST /mcp HTTP/1.1\r\nHost: ${target.host}\r\nX-Big: ${"b".repeat(8192)}\r\n\r\n`;
    const { received } = await rawConnection(http.url, head);
    expect(received).toMatch(/^HTTP\/1\.1 431 /);
    // Headers under the limit still pass.
    const { status } = await http.modern("tools/call", { name: "ping", arguments: {} });
    expect(status).toBe(200);
  });
});

describe("listener limits on a server of your own", () => {
  it("creates a server with the limits and defaults filled in", () => {
    expect(listenerOptions({ maxHeaderBytes: 8192 })).toEqual({
      headersTimeout: 10_000,
      requestTimeout: 30_000,
      keepAliveTimeout: 65_000,
      connectionsCheckingInterval: 1_000,
      maxHeaderSize: 8192,
    });
    const listener = createNodeServer(listenerOptions({ headersTimeoutMs: 2_000 }));
    applyListenerLimits(listener, { headersTimeoutMs: 2_000, maxRequestsPerSocket: 100 });
    expect(listener.headersTimeout).toBe(2_000);
    expect(listener.requestTimeout).toBe(30_000);
    expect(listener.keepAliveTimeout).toBe(65_000);
    expect(listener.maxRequestsPerSocket).toBe(100);
  });

  it("says maxHeaderBytes must be given at creation", () => {
    const listener = createNodeServer();
    expect(() => applyListenerLimits(listener, { maxHeaderBytes: 8192 })).toThrow(
      "maxHeaderBytes can only be set when the server is created",
    );
  });

  it("refuses a headers timeout longer than the request timeout, and non-numbers", () => {
    expect(() => listenerOptions({ headersTimeoutMs: 5_000, requestTimeoutMs: 1_000 })).toThrow(
      "headersTimeoutMs (5000) must not exceed requestTimeoutMs (1000)",
    );
    expect(() => listenerOptions({ keepAliveTimeoutMs: -1 })).toThrow(
      "Listener limit keepAliveTimeoutMs must be a positive whole number",
    );
  });
});
