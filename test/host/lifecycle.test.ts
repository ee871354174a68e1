import { Agent, request as httpRequest, type IncomingMessage } from "node:http";
import { createServer, type HostPlugin, type RunningHost, startHost } from "berth";
import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { modernMeta } from "../support/http.js";
import { echoServer, seededStore } from "./support.js";

interface Answer {
  status: number;
  headers: IncomingMessage["headers"];
  body: string;
}

/** One HTTP request over `agent` (keep-alive, so requests share a connection). */
function send(
  agent: Agent,
  url: URL,
  options: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  onResponse?: (res: IncomingMessage) => void,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        agent,
        method: options.method ?? "GET",
        headers: { "content-type": "application/json", ...options.headers },
      },
      (res) => {
        onResponse?.(res);
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body === undefined ? undefined : JSON.stringify(options.body));
  });
}

/** A 2026-07-28 request body and its headers. */
function modern(method: string, params: Record<string, unknown>, name?: string) {
  return {
    method: "POST",
    headers: {
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": method,
      ...(name ? { "mcp-name": name } : {}),
    },
    body: { jsonrpc: "2.0", id: 7, method, params: { ...params, _meta: modernMeta() } },
  };
}

describe("health and draining", () => {
  let host: RunningHost | undefined;
  const agents: Agent[] = [];

  afterEach(async () => {
    await host?.close();
    host = undefined;
    for (const agent of agents.splice(0)) agent.destroy();
  });

  function keepAlive(): Agent {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  }

  it("answers /healthz and /readyz with the store's and every plugin's readiness", async () => {
    let cacheReady = true;
    const plugin: HostPlugin = {
      name: "cache",
      ready: async () => [
        { name: "cache", ok: cacheReady, ...(cacheReady ? {} : { detail: "cold" }) },
      ],
    };
    const seeded = await seededStore({});
    let storeDown = false;
    // The store, failing its reads while `storeDown` is set.
    const store = new Proxy(seeded.store, {
      get(target, property) {
        if (property === "getUser" && storeDown)
          return async () => {
            throw new Error("database is locked");
          };
        const value = Reflect.get(target, property);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    host = await startHost(
      {
        listen: { port: 0 },
        servers: { notes: { server: echoServer("notes"), auth: { scopes: ["notes"] } } },
        logging: { level: "silent" },
      },
      { store, plugins: [plugin] },
    );
    const agent = keepAlive();
    const health = await send(agent, new URL("/healthz", host.url));
    expect([health.status, JSON.parse(health.body)]).toEqual([200, { status: "ok" }]);
    const ready = await send(agent, new URL("/readyz", host.url));
    expect([ready.status, JSON.parse(ready.body)]).toEqual([
      200,
      {
        status: "ready",
        checks: [
          { name: "store", ok: true },
          { name: "cache", ok: true },
        ],
      },
    ]);
    cacheReady = false;
    const cold = await send(agent, new URL("/readyz", host.url));
    expect(cold.status).toBe(503);
    expect(JSON.parse(cold.body)).toEqual({
      status: "not_ready",
      checks: [
        { name: "store", ok: true },
        { name: "cache", ok: false, detail: "cold" },
      ],
    });
    storeDown = true;
    const down = await send(agent, new URL("/readyz", host.url));
    expect(down.status).toBe(503);
    expect(JSON.parse(down.body).checks[0]).toEqual({
      name: "store",
      ok: false,
      detail: "database is locked",
    });
  });

  it("finishes calls in flight, refuses new ones with 503, ends streams with a retry hint", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let started: () => void = () => {};
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const server = createServer({ name: "slow", version: "1.0.0" });
    server.tool("wait", { input: z.object({}) }, async () => {
      started();
      await gate;
      return "finished";
    });
    const closed: string[] = [];
    host = await startHost(
      {
        listen: { port: 0 },
        servers: { slow: { server } },
        logging: { level: "silent" },
      },
      { plugins: [{ name: "watcher", close: async () => void closed.push("watcher") }] },
    );
    const url = host.mounts[0]!.url;
    const probe = keepAlive();
    expect((await send(probe, new URL("/healthz", host.url))).status).toBe(200);
    const caller = keepAlive();
    expect((await send(caller, new URL("/healthz", host.url))).status).toBe(200);

    let streamed = "";
    const stream = send(
      keepAlive(),
      url,
      modern("subscriptions/listen", { notifications: { toolsListChanged: true } }),
      (res) => res.on("data", (chunk: Buffer) => (streamed += chunk.toString())),
    );
    const call = send(
      keepAlive(),
      url,
      modern("tools/call", { name: "wait", arguments: {} }, "wait"),
    );
    await running;
    await new Promise((resolve) => setTimeout(resolve, 50));

    const drained = host.drain(10_000);
    expect(host.draining).toBe(true);
    const health = await send(probe, new URL("/healthz", host.url));
    expect([health.status, JSON.parse(health.body)]).toEqual([503, { status: "draining" }]);
    const ready = await send(probe, new URL("/readyz", host.url));
    expect([ready.status, JSON.parse(ready.body).status]).toEqual([503, "draining"]);
    const refused = await send(
      caller,
      url,
      modern("tools/call", { name: "wait", arguments: {} }, "wait"),
    );
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("1");
    expect(JSON.parse(refused.body).error.code).toBe(-32030);
    expect(closed).toEqual([]);

    release();
    const answer = await call;
    expect(answer.status).toBe(200);
    // A call that began before draining is answered, on a connection that is not reused.
    expect(answer.headers.connection).toBe("close");
    expect(answer.body).toContain("finished");
    const streamEnd = await stream;
    expect(streamEnd.status).toBe(200);
    await drained;
    expect(streamed).toContain("retry: 2000");
    expect(streamed).toMatch(/"id":7,"result":\{"resultType":"complete"/);
    expect(closed).toEqual(["watcher"]);
    expect(host.http.listening).toBe(false);
  });

  it("gives a browser refused while draining the CORS headers, so it can read Retry-After", async () => {
    const server = createServer({ name: "slow", version: "1.0.0" });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    server.tool("wait", { input: z.object({}) }, async () => {
      await held;
      return "finished";
    });
    host = await startHost({
      listen: { port: 0, cors: { origins: ["https://app.example"] } },
      servers: { slow: { server } },
      logging: { level: "silent" },
    });
    const url = host.mounts[0]!.url;
    const browser = keepAlive();
    expect((await send(browser, new URL("/healthz", host.url))).status).toBe(200);
    const call = send(
      keepAlive(),
      url,
      modern("tools/call", { name: "wait", arguments: {} }, "wait"),
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const drained = host.drain(10_000);

    const origin = { origin: "https://app.example" };
    const request = modern("tools/call", { name: "wait", arguments: {} }, "wait");
    const refused = await send(browser, url, {
      ...request,
      headers: { ...request.headers, ...origin },
    });
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("1");
    expect(refused.headers["access-control-allow-origin"]).toBe("https://app.example");
    expect(refused.headers["access-control-expose-headers"]).toContain("Retry-After");

    release();
    expect((await call).status).toBe(200);
    await drained;
  });

  it("cuts requests still running at the deadline and still stops", async () => {
    const server = createServer({ name: "stuck", version: "1.0.0" });
    server.tool("hang", { input: z.object({}) }, () => new Promise<string>(() => {}));
    host = await startHost({
      listen: { port: 0 },
      servers: { stuck: { server } },
      logging: { level: "silent" },
    });
    const call = send(
      keepAlive(),
      host.mounts[0]!.url,
      modern("tools/call", { name: "hang", arguments: {} }, "hang"),
    );
    call.catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = Date.now();
    await host.drain(200);
    expect(Date.now() - before).toBeLessThan(3_000);
    await expect(call).rejects.toThrow(/socket hang up|ECONNRESET/);
  });
});
