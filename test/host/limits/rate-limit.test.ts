import { createServer, type RateLimitStore, rateLimitPlugin } from "berth";
import { afterEach, describe, expect, it } from "vitest";
import { type Limited, startLimited } from "./harness.js";

let running: Limited | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

function tools() {
  const server = createServer({ name: "mail", version: "1.0.0" });
  server.tool("send_email", { description: "Sends" }, () => "sent");
  server.tool("list_inbox", { description: "Lists" }, () => "inbox");
  return server;
}

const from = (address: string) => ({ "x-forwarded-for": address });

describe("a tool rule", () => {
  it("refuses the 4th call of the limited tool in the window with 429 and a message to show", async () => {
    const plugin = rateLimitPlugin({
      rules: [{ by: "tool", tools: ["send_email"], limit: 3, windowSeconds: 60 }],
    });
    running = await startLimited(tools(), plugin);
    for (let i = 0; i < 3; i++) expect((await running.call("send_email")).status).toBe(200);

    const refused = await running.call("send_email");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("20");
    expect(refused.body.error).toEqual({
      code: -32029,
      message: "Rate limit reached for tool send_email: 3 calls per 60 s; retry in 20 s",
      data: { retryAfterSeconds: 20 },
    });
    // Other tools are not limited by it.
    for (let i = 0; i < 5; i++) expect((await running.call("list_inbox")).status).toBe(200);
  });

  it("counts anonymous callers by address, so one caller's calls leave another's alone", async () => {
    const plugin = rateLimitPlugin({
      rules: [{ by: "tool", limit: 1, windowSeconds: 60 }],
      trustProxy: true,
    });
    running = await startLimited(tools(), plugin);
    expect((await running.call("send_email", {}, from("203.0.113.1"))).status).toBe(200);
    expect((await running.call("send_email", {}, from("203.0.113.1"))).status).toBe(429);
    expect((await running.call("send_email", {}, from("203.0.113.2"))).status).toBe(200);
    // Without `tools`, each tool has its own budget.
    expect((await running.call("list_inbox", {}, from("203.0.113.1"))).status).toBe(200);
  });

  it("applies only to the mounts it names", async () => {
    const plugin = rateLimitPlugin({
      rules: [{ by: "tool", limit: 1, windowSeconds: 60, servers: ["other"] }],
    });
    running = await startLimited(tools(), plugin, { mount: "main" });
    for (let i = 0; i < 3; i++) expect((await running.call("send_email")).status).toBe(200);
  });
});

describe("an address rule", () => {
  it("refuses an address past its limit before reading the body, and serves other addresses", async () => {
    const plugin = rateLimitPlugin({
      rules: [{ by: "address", limit: 2, windowSeconds: 3600 }],
      trustProxy: true,
    });
    running = await startLimited(tools(), plugin);
    expect((await running.call("list_inbox", {}, from("198.51.100.7"))).status).toBe(200);
    expect((await running.call("list_inbox", {}, from("198.51.100.7"))).status).toBe(200);
    const refused = await running.call("list_inbox", {}, from("198.51.100.7"));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ id: null, error: { code: -32029 } });
    expect(refused.body.error.message).toMatch(
      /^Rate limit reached: 2 requests per 3600 s per address/,
    );
    // A client cannot escape by prepending addresses: the proxy's own entry is the last one.
    const spoofed = await running.call("list_inbox", {}, from("10.9.9.9, 198.51.100.7"));
    expect(spoofed.status).toBe(429);
    expect((await running.call("list_inbox", {}, from("198.51.100.8"))).status).toBe(200);
  });

  it("ignores X-Forwarded-For unless the proxy is trusted", async () => {
    const plugin = rateLimitPlugin({ rules: [{ by: "address", limit: 2, windowSeconds: 3600 }] });
    running = await startLimited(tools(), plugin);
    expect((await running.call("list_inbox", {}, from("198.51.100.1"))).status).toBe(200);
    expect((await running.call("list_inbox", {}, from("198.51.100.2"))).status).toBe(200);
    expect((await running.call("list_inbox", {}, from("198.51.100.3"))).status).toBe(429);
  });

  it("allows a burst above the limit, then the sustained rate", async () => {
    const plugin = rateLimitPlugin({
      rules: [{ by: "address", limit: 1, windowSeconds: 3600, burst: 3 }],
    });
    running = await startLimited(tools(), plugin);
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await running.call("list_inbox")).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe("concurrency per caller", () => {
  it("answers 503 with Retry-After 1 while N slow calls are in flight, and serves again after", async () => {
    let entered = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const server = tools();
    server.tool("slow", { description: "Waits" }, async () => {
      entered++;
      await gate;
      return "done";
    });
    running = await startLimited(
      server,
      rateLimitPlugin({ rules: [], concurrency: { perPrincipal: 2 } }),
    );
    const slow = [running.call("slow"), running.call("slow")];
    while (entered < 2) await new Promise((resolve) => setTimeout(resolve, 10));

    const refused = await running.call("list_inbox");
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.body.error.code).toBe(-32030);
    expect(refused.body.error.message).toBe(
      "Too many requests in flight: at most 2 at a time per caller; retry in 1 s",
    );

    open();
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200]);
    expect((await running.call("list_inbox")).status).toBe(200);
  });
});

describe("store keys", () => {
  it("are one per rule and caller, the same text on every request", async () => {
    const keys: string[] = [];
    const store: RateLimitStore = {
      take: (key) => {
        keys.push(key);
        return { allowed: true, remaining: 1, retryAfterSeconds: 0 };
      },
    };
    const plugin = rateLimitPlugin({
      store,
      rules: [
        { by: "address", limit: 100, windowSeconds: 60 },
        { by: "principal", limit: 100, windowSeconds: 60 },
        { by: "tool", tools: ["send_email"], limit: 100, windowSeconds: 60 },
      ],
      trustProxy: true,
    });
    running = await startLimited(tools(), plugin);
    for (const address of ["203.0.113.1", "203.0.113.2", "203.0.113.1"])
      expect((await running.call("send_email", {}, from(address))).status).toBe(200);
    // IPv6 callers count by their /64.
    expect((await running.call("list_inbox", {}, from("2001:db8:1:2:3::9"))).status).toBe(200);
    const perCall = (address: string) => [
      `0\n${address}`,
      `1\naddress ${address}`,
      `2\nmain\nsend_email\naddress ${address}`,
    ];
    expect(keys).toEqual([
      ...perCall("203.0.113.1"),
      ...perCall("203.0.113.2"),
      ...perCall("203.0.113.1"),
      "0\n2001:db8:1:2::/64",
      "1\naddress 2001:db8:1:2::/64",
    ]);
  });
});

describe("a failing store", () => {
  it("refuses nothing and says so in the readiness details until it answers again", async () => {
    let failing = true;
    const store: RateLimitStore = {
      take: async () => {
        if (failing) throw new Error("connection refused");
        return { allowed: true, remaining: 1, retryAfterSeconds: 0 };
      },
    };
    const plugin = rateLimitPlugin({
      store,
      rules: [{ by: "address", limit: 1, windowSeconds: 60 }],
    });
    running = await startLimited(tools(), plugin);
    expect((await running.call("list_inbox")).status).toBe(200);
    const [check] = await plugin.ready!();
    expect(check).toMatchObject({ name: "rate-limit-store", ok: true });
    expect(check?.detail).toMatch(/connection refused\): rate limits are not enforced/);

    failing = false;
    expect((await running.call("list_inbox")).status).toBe(200);
    expect(await plugin.ready!()).toEqual([{ name: "rate-limit-store", ok: true }]);
  });
});

describe("configuration", () => {
  it.each([
    [{ by: "user", limit: 1, windowSeconds: 1 }, "'by' must be principal, key, address or tool"],
    [{ by: "key", limit: 0, windowSeconds: 1 }, "'limit' must be a positive number"],
    [{ by: "key", limit: 1, windowSeconds: -5 }, "'windowSeconds' must be a positive number"],
    [{ by: "key", limit: 1, windowSeconds: 1, burst: 0.5 }, "'burst' must be a number of requests"],
    [{ by: "key", limit: 1, windowSeconds: 1, tools: ["x"] }, "'tools' applies only to rules"],
    [{ by: "tool", limit: 1, windowSeconds: 1, tools: [] }, "'tools' must be a non-empty list"],
    [{ by: "key", limit: 0.5, windowSeconds: 1 }, "a limit below 1 would refuse every request"],
  ])("refuses the rule %j", (rule, message) => {
    expect(() => rateLimitPlugin({ rules: [rule as never] })).toThrow(message);
  });

  it("refuses a concurrency limit that is not a positive whole number", () => {
    expect(() => rateLimitPlugin({ rules: [], concurrency: { perPrincipal: 0 } })).toThrow(
      "concurrency.perPrincipal must be a positive whole number",
    );
  });
});
