import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { type RunningHttpServer, type ServeHttpOptions, serveHttp } from "berth";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { keyedResourceServer } from "../support/api-keys.js";
import { fixtureServer } from "../support/fixture.js";

const TIMEOUT = { timeout: 5_000 };
const CLIENT_INFO = { name: "sse-test", version: "1.0.0" };

interface SseEvent {
  event: string;
  data: string;
}

/** A raw HTTP+SSE stream: GET the stream, read events as they come. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const controller = new AbortController();
  const response = await fetch(url, {
    headers: { accept: "text/event-stream", ...headers },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  let buffer = "";
  const reader = response.ok ? response.body!.getReader() : undefined;
  const decoder = new TextDecoder();
  const next = async (predicate: (e: SseEvent) => boolean): Promise<SseEvent> => {
    for (;;) {
      const found = events.find(predicate);
      if (found) {
        events.splice(events.indexOf(found), 1);
        return found;
      }
      const chunk = await reader!.read();
      if (chunk.done) throw new Error("the stream ended");
      buffer += decoder.decode(chunk.value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { event: "message", data: "" };
        for (const line of block.split("\n")) {
          if (line.startsWith(":")) event.event = "comment";
          else if (line.startsWith("event: ")) event.event = line.slice(7);
          else if (line.startsWith("data: ")) event.data = line.slice(6);
        }
        events.push(event);
        end = buffer.indexOf("\n\n");
      }
    }
  };
  return {
    response,
    next,
    /** The response to request `id`, from the stream. */
    answer: async (id: number) =>
      JSON.parse((await next((e) => e.event === "message" && JSON.parse(e.data).id === id)).data),
    close: () => controller.abort(),
  };
}

function post(url: string, message: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof message === "string" ? message : JSON.stringify(message),
  });
}

const running: RunningHttpServer[] = [];
async function start(options: ServeHttpOptions = {}) {
  const http = await serveHttp(fixtureServer(), {
    port: 0,
    keepAliveMs: 0,
    legacySse: true,
    ...options,
  });
  running.push(http);
  return { http, origin: http.url.origin, sse: new URL("/sse", http.url) };
}
afterEach(async () => {
  await Promise.all(running.splice(0).map((http) => http.close()));
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(condition()).toBe(true);
}

describe("HTTP+SSE (2024-11-05)", () => {
  it("serves the v1 SDK's SSE client: lists tools and calls one", async () => {
    const { sse } = await start();
    const client = new Client(CLIENT_INFO);
    await client.connect(new SSEClientTransport(sse), TIMEOUT);
    const { tools } = await client.listTools(undefined, TIMEOUT);
    expect(tools.map((t) => t.name)).toContain("add");
    const result = await client.callTool({ name: "add", arguments: { a: 2, b: 3 } }, undefined, {
      ...TIMEOUT,
    });
    expect(result.structuredContent).toEqual({ sum: 5 });
    await client.close();
  });

  it("asks the client for input over the stream and uses its answers", async () => {
    const { sse } = await start();
    const client = new Client(CLIENT_INFO, { capabilities: { elicitation: {} } });
    const answers = [{ name: "Ada" }, { colour: "green" }];
    client.setRequestHandler(ElicitRequestSchema, async () => ({
      action: "accept",
      content: answers.shift()!,
    }));
    await client.connect(new SSEClientTransport(sse), TIMEOUT);
    const result = await client.callTool({ name: "ask", arguments: {} }, undefined, TIMEOUT);
    expect(result.content).toEqual([{ type: "text", text: "Ada likes green" }]);
    await client.close();
  });

  it("sends the endpoint first, then answers posts on the stream in the version asked for", async () => {
    const { origin, sse } = await start();
    const stream = await openStream(sse.href);
    expect(stream.response.headers.get("content-type")).toBe("text/event-stream");
    const endpoint = await stream.next(() => true);
    expect(endpoint.event).toBe("endpoint");
    expect(endpoint.data).toMatch(/^\/messages\?sessionId=[0-9a-f-]{36}$/);
    const messages = `${origin}${endpoint.data}`;
    const accepted = await post(messages, {
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2024-11-05", capabilities: {}, clientInfo: CLIENT_INFO },
    });
    expect(accepted.status).toBe(202);
    expect((await stream.answer(1)).result).toMatchObject({
      protocolVersion: "2024-11-05",
      serverInfo: { name: "fixture" },
    });
    await post(messages, { jsonrpc: "2.0", method: "notifications/initialized" });
    await post(messages, {
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "over sse" } },
    });
    expect((await stream.answer(2)).result.content).toEqual([{ type: "text", text: "over sse" }]);
    stream.close();
  });

  it("ends the session when its stream closes", async () => {
    const { http, origin, sse } = await start();
    const stream = await openStream(sse.href);
    const messages = `${origin}${(await stream.next(() => true)).data}`;
    expect(http.legacySse?.sessionCount).toBe(1);
    stream.close();
    await until(() => http.legacySse?.sessionCount === 0);
    const late = await post(messages, { jsonrpc: "2.0", id: 1, method: "ping" });
    expect(late.status).toBe(404);
  });

  it("refuses a post to an unknown session with 404", async () => {
    const { origin } = await start();
    const response = await post(`${origin}/messages?sessionId=no-such-session`, {
      jsonrpc: "2.0",
      id: 1,
      method: "ping",
    });
    expect(response.status).toBe(404);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toContain("Session not found");
  });

  it("refuses a message larger than the limit with 413", async () => {
    const { origin, sse } = await start({ maxBodyBytes: 1024 });
    const stream = await openStream(sse.href);
    const messages = `${origin}${(await stream.next(() => true)).data}`;
    const big = { jsonrpc: "2.0", id: 1, method: "ping", params: { pad: "x".repeat(4096) } };
    expect((await post(messages, big)).status).toBe(413);
    stream.close();
  });

  it("keeps an idle stream open with comments", async () => {
    const { sse } = await start({ keepAliveMs: 20 });
    const stream = await openStream(sse.href);
    expect((await stream.next((e) => e.event === "comment")).event).toBe("comment");
    stream.close();
  });

  it("refuses a stream opened from a foreign Origin", async () => {
    const { sse } = await start();
    const stream = await openStream(sse.href, { origin: "https://evil.example" });
    expect(stream.response.status).toBe(403);
  });

  it("ends open streams when the server closes", async () => {
    const { http, sse } = await start();
    const stream = await openStream(sse.href);
    await stream.next((e) => e.event === "endpoint");
    await http.close();
    running.length = 0;
    await expect(stream.next(() => false)).rejects.toThrow("the stream ended");
  });
});

describe("HTTP+SSE with API keys", () => {
  let keys: { alice: string; bob: string };
  let options: ServeHttpOptions;
  beforeAll(async () => {
    const keyed = await keyedResourceServer();
    keys = keyed.keys;
    options = { auth: keyed.auth };
  });

  it("refuses a stream without credentials with 401 and a challenge", async () => {
    const { sse } = await start(options);
    const stream = await openStream(sse.href);
    expect(stream.response.status).toBe(401);
    expect(stream.response.headers.get("www-authenticate")).toContain("resource_metadata=");
    const client = new Client(CLIENT_INFO);
    await expect(client.connect(new SSEClientTransport(sse), TIMEOUT)).rejects.toMatchObject({
      code: 401,
    });
  });

  it("serves the v1 SDK's SSE client with a key given in requestInit.headers", async () => {
    const { sse } = await start(options);
    const client = new Client(CLIENT_INFO);
    const transport = new SSEClientTransport(sse, {
      requestInit: { headers: { authorization: `Bearer ${keys.alice}` } },
    });
    await client.connect(transport, TIMEOUT);
    const result = await client.callTool({ name: "echo", arguments: { text: "hi" } }, undefined, {
      ...TIMEOUT,
    });
    expect(result.content).toEqual([{ type: "text", text: "hi" }]);
    await client.close();
  });

  it("refuses a post to a session from another principal with 404", async () => {
    const { origin, sse } = await start(options);
    const stream = await openStream(sse.href, { authorization: `Bearer ${keys.alice}` });
    const messages = `${origin}${(await stream.next(() => true)).data}`;
    const ping = { jsonrpc: "2.0", id: 1, method: "ping" };
    const unsigned = await post(messages, ping);
    expect(unsigned.status).toBe(401);
    const bobs = await post(messages, ping, { authorization: `Bearer ${keys.bob}` });
    expect(bobs.status).toBe(404);
    const alices = await post(messages, ping, { authorization: `Bearer ${keys.alice}` });
    expect(alices.status).toBe(202);
    expect((await stream.answer(1)).result).toEqual({});
    stream.close();
  });
});
