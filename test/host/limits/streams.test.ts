import { createServer, type RunningHost, startHost } from "berth";
import { afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { z } from "zod";
import { modernMeta } from "../../support/http.js";

/** `echo` answers at once; `slow` after 300 ms. */
function tools() {
  const server = createServer({ name: "tools", version: "1.0.0" });
  server.tool("echo", { input: z.object({ text: z.string() }) }, ({ text }) => text);
  server.tool("slow", { input: z.object({}) }, async () => {
    await new Promise((resolve) => setTimeout(resolve, 300));
    return "slow done";
  });
  return server;
}

const call = (id: number, name: string, args: Record<string, unknown> = {}) =>
  JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name, arguments: args, _meta: modernMeta() },
  });

/** Open a WebSocket to the mount and collect answers by id. */
async function connect(host: RunningHost) {
  const socket = new WebSocket(new URL("/tools/mcp", host.url).href.replace("http", "ws"), "mcp");
  const answers = new Map<number, any>();
  socket.on("message", (data) => {
    const message = JSON.parse(String(data));
    answers.set(message.id, message);
  });
  await new Promise((resolve, reject) => {
    socket.once("open", resolve);
    socket.once("error", reject);
  });
  const answer = async (id: number) => {
    while (!answers.has(id)) await new Promise((resolve) => setTimeout(resolve, 5));
    return answers.get(id);
  };
  return { socket, answer };
}

/** Rate limits and concurrency apply to every request on a stream, not once per connection. */
describe("limits on WebSocket and HTTP+SSE requests", () => {
  let host: RunningHost | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  const start = (rateLimits: object) =>
    startHost({
      listen: { port: 0 },
      servers: { tools: { server: tools(), transports: { websocket: true, sse2024: true } } },
      rateLimits: rateLimits as never,
      logging: { level: "silent" },
    }).then((started) => {
      host = started;
      return started;
    });

  it("counts each WebSocket request against the rate limit (regression: one token per socket)", async () => {
    // The handshake takes one token, each call another.
    const started = await start({ rules: [{ by: "address", limit: 3, windowSeconds: 3600 }] });
    const { socket, answer } = await connect(started);
    for (const id of [1, 2, 3]) socket.send(call(id, "echo", { text: `m${id}` }));
    const answers = await Promise.all([1, 2, 3].map(answer));
    socket.close();
    expect(answers[0].result.content[0].text).toBe("m1");
    expect(answers[1].result.content[0].text).toBe("m2");
    expect(answers[2].error).toMatchObject({ code: -32029 });
    expect(answers[2].error.data.retryAfterSeconds).toBeGreaterThan(0);
  });

  it("holds a concurrency slot while a WebSocket request runs, and frees it after", async () => {
    const started = await start({ rules: [], concurrency: { perPrincipal: 1 } });
    const { socket, answer } = await connect(started);
    socket.send(call(1, "slow"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.send(call(2, "echo", { text: "meanwhile" }));
    const [first, second] = await Promise.all([answer(1), answer(2)]);
    expect(first.result.content[0].text).toBe("slow done");
    expect(second.error).toMatchObject({ code: -32030 });
    socket.send(call(3, "echo", { text: "after" }));
    expect((await answer(3)).result.content[0].text).toBe("after");
    socket.close();
  });

  it("lets a WebSocket call finish when the host drains, and refuses new ones (regression: cut at once)", async () => {
    const started = await start({ rules: [] });
    const { socket, answer } = await connect(started);
    socket.send(call(1, "slow"));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const drained = started.drain(5_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.send(call(2, "echo", { text: "late" }));
    const [first, second] = await Promise.all([answer(1), answer(2)]);
    expect(first.result.content[0].text).toBe("slow done");
    expect(second.error).toMatchObject({ code: -32030 });
    await drained;
    host = undefined;
  });

  it("holds a concurrency slot for an HTTP+SSE request until it is answered, not until its 202", async () => {
    const started = await start({ rules: [], concurrency: { perPrincipal: 1 } });
    const controller = new AbortController();
    const stream = await fetch(new URL("/tools/sse", started.url), {
      headers: { accept: "text/event-stream" },
      signal: controller.signal,
    });
    const reader = stream.body!.getReader();
    let text = "";
    const read = async (until: RegExp) => {
      while (!until.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await read(/data: (\S+)\n/);
    const endpoint = new URL(/data: (\S+)\n/.exec(text)![1]!, started.url);
    const post = (body: string) =>
      fetch(endpoint, { method: "POST", headers: { "content-type": "application/json" }, body });
    const initialize = JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: "2024-11-05",
        capabilities: {},
        clientInfo: { name: "t", version: "1" },
      },
    });
    const legacyCall = (id: number, name: string, args: object = {}) =>
      JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name, arguments: args },
      });
    expect((await post(initialize)).status).toBe(202);
    await read(/"id":0/);
    expect((await post(legacyCall(1, "slow"))).status).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await post(legacyCall(2, "echo", { text: "meanwhile" }))).status).toBe(202);
    await read(/"id":1,/);
    await read(/"id":2,/);
    controller.abort();
    const events = text.split("\n").filter((line) => line.startsWith("data: {"));
    const byId = new Map(events.map((line) => JSON.parse(line.slice(6))).map((m) => [m.id, m]));
    expect(byId.get(1).result.content[0].text).toBe("slow done");
    expect(byId.get(2).error).toMatchObject({ code: -32030 });
  });
});
