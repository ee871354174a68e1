import {
  type Admission,
  composeAdmissions,
  type HostPlugin,
  RateLimitedError,
  type RunningHost,
  startHost,
} from "berth";
import { afterEach, describe, expect, it } from "vitest";
import { callTool, echoServer } from "./support.js";

const req = {} as Parameters<Admission>[0];
const anyone = { scopes: [], via: "anonymous" } as const;

describe("admissions of several plugins", () => {
  it("releases the ones already admitted when a later one refuses", async () => {
    const log: string[] = [];
    const first: Admission = () => () => log.push("release first");
    const second: Admission = async () => () => log.push("release second");
    const refusing: Admission = () => {
      throw new RateLimitedError("slow down", 3);
    };
    const admit = composeAdmissions([first, second, refusing])!;
    await expect(Promise.resolve().then(() => admit(req, anyone))).rejects.toThrow("slow down");
    expect(log).toEqual(["release second", "release first"]);
  });

  it("stays synchronous, and hands back the one release, when only one admission has one", () => {
    const log: string[] = [];
    const admit = composeAdmissions([() => undefined, () => () => log.push("b"), () => undefined])!;
    const release = admit(req, anyone);
    expect(release).toBeTypeOf("function");
    (release as () => void)();
    expect(log).toEqual(["b"]);
    expect(composeAdmissions([() => undefined, () => undefined])!(req, anyone)).toBeUndefined();
  });

  it("waits for an admission that answers with a promise, then asks the rest", async () => {
    const log: string[] = [];
    const admit = composeAdmissions([
      () => () => log.push("a"),
      async () => () => log.push("b"),
      () => () => log.push("c"),
    ])!;
    const admitted = admit(req, anyone);
    expect(admitted).toBeInstanceOf(Promise);
    const release = await admitted;
    (release as () => void)();
    expect(log).toEqual(["c", "b", "a"]);
  });

  it("releases every admission, last first, when the request ends", async () => {
    const log: string[] = [];
    const admit = composeAdmissions([
      () => () => log.push("a"),
      () => undefined,
      () => () => log.push("c"),
    ])!;
    const release = admit(req, anyone);
    expect(release).toBeTypeOf("function");
    (release as () => void)();
    expect(log).toEqual(["c", "a"]);
  });
});

describe("plugins on a host", () => {
  let host: RunningHost | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });

  it("gives each mount its observer, request hook and routes", async () => {
    const calls: string[] = [];
    const requests: string[] = [];
    const plugin: HostPlugin = {
      name: "recorder",
      observer: (mount) => ({
        start: (call) => (outcome) =>
          calls.push(`${mount.name} ${call.method} ${call.name} ${outcome}`),
      }),
      // The request comes back with the status, for plugins that keep one end for all.
      request: (_req, _res, mount) => {
        const name = mount?.name ?? "-";
        return (status, _ms, req) => requests.push(`${name} ${req.url} ${status}`);
      },
      routes: () => ({
        "/custom": (_req, res) => {
          res.writeHead(200, { "content-type": "text/plain" });
          res.end("custom route");
        },
      }),
    };
    host = await startHost(
      {
        listen: { port: 0 },
        servers: { a: { server: echoServer("a") }, b: { server: echoServer("b") } },
        logging: { level: "silent" },
      },
      { plugins: [plugin] },
    );
    await callTool(new URL("/a/mcp", host.url), "echo", { text: "1" });
    await callTool(new URL("/b/mcp", host.url), "echo", { text: "2" });
    const custom = await fetch(new URL("/custom", host.url));
    expect(await custom.text()).toBe("custom route");
    await fetch(new URL("/missing", host.url));
    expect(calls).toEqual(["a tools/call echo ok", "b tools/call echo ok"]);
    expect(requests).toEqual(["a /a/mcp 200", "b /b/mcp 200", "- /custom 200", "- /missing 404"]);
  });

  it("refuses a plugin route on a path a mount uses", async () => {
    const plugin: HostPlugin = { name: "greedy", routes: () => ({ "/a/mcp": () => {} }) };
    await expect(
      startHost(
        {
          listen: { port: 0 },
          servers: { a: { server: echoServer("a") } },
          logging: { level: "silent" },
        },
        { plugins: [plugin] },
      ),
    ).rejects.toThrow('Plugin "greedy" serves /a/mcp, which servers.a uses');
  });

  it("turns the config's metrics and rate limits into working plugins", async () => {
    host = await startHost({
      listen: { port: 0 },
      servers: { a: { server: echoServer("a") } },
      metrics: { collectDefault: false },
      rateLimits: { rules: [{ by: "address", limit: 2, windowSeconds: 3600 }] },
      logging: { level: "silent" },
    });
    const url = new URL("/a/mcp", host.url);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await callTool(url, "echo", { text: "x" })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const metrics = await (await fetch(new URL("/metrics", host.url))).text();
    expect(metrics).toMatch(/berth_calls_total\{[^}]*server="a"[^}]*outcome="ok"[^}]*\} 2/);
  });
});
