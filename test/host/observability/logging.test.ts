import {
  createServer,
  generateApiKey,
  type LoggingOptions,
  type LoggingPlugin,
  loggingPlugin,
  ResourceServer,
} from "berth";
import { MemoryAuthStore } from "berth/store";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { type Captured, capture } from "./capture.js";
import { type Harness, startHarness } from "./harness.js";

function calculator() {
  const server = createServer({ name: "calculator", version: "1.0.0" });
  server.tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) =>
    String(a + b),
  );
  server.tool("connect", { input: z.record(z.string(), z.unknown()) }, () => "connected");
  server.tool("fail", {}, () => {
    throw new Error("disk full");
  });
  return server;
}

const store = new MemoryAuthStore();
let key = "";
let auth: ResourceServer;

beforeAll(async () => {
  const now = Date.now();
  await store.createUser({
    id: "u-ann",
    username: "ann",
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
    name: "ci",
    ownerId: "u-ann",
    scopes: [],
    hash: generated.hash,
    prefix: generated.prefix,
    createdAt: now,
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
  });
  auth = new ResourceServer({ store, authorizationServers: ["https://login.example"] });
});

const running: Harness[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((harness) => harness.close()));
});

/** A harness with the logging plugin writing to a captured stream. */
async function logged(
  options: Omit<LoggingOptions, "destination"> = {},
  requestInsideEnter = false,
): Promise<{ harness: Harness; out: Captured; plugin: LoggingPlugin }> {
  const out = capture();
  const plugin = loggingPlugin({ ...options, destination: out.stream });
  const harness = await startHarness(calculator(), [plugin], { auth, requestInsideEnter });
  running.push(harness);
  return { harness, out, plugin };
}

const withKey = () => ({ authorization: `Bearer ${key}` });
/** Lines about a request: request lines, and tool-call lines that are their request's line. */
const requestLines = (out: Captured) =>
  out.entries().filter((entry) => entry["status"] !== undefined);
const auditLines = (out: Captured) => out.entries().filter((entry) => entry["audit"] === true);

describe("request log", () => {
  it("writes one JSON line per request with its id, mount, status, duration and caller", async () => {
    const { harness, out } = await logged();
    const answer = await harness.modern("tools/list", {}, withKey());
    const id = answer.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-v]{12}-[0-9a-z]+$/);
    await vi.waitFor(() => expect(requestLines(out)).toHaveLength(1));
    const [line] = requestLines(out);
    expect(line).toMatchObject({
      level: "info",
      msg: "request",
      requestId: id,
      mount: "calc",
      method: "POST",
      path: "/mcp",
      address: "127.0.0.1",
      status: 200,
      subject: "u-ann",
      via: "api-key",
      mcpMethod: "tools/list",
    });
    expect(typeof line!["durationMs"]).toBe("number");
    expect(Date.parse(line!["time"])).toBeGreaterThan(0);
  });

  it("writes a tool call as one line holding its audit record and its request's fields", async () => {
    const { harness, out } = await logged();
    const answer = await harness.modern(
      "tools/call",
      { name: "add", arguments: { a: 1, b: 2 } },
      withKey(),
    );
    const id = answer.headers.get("x-request-id");
    await vi.waitFor(() => expect(requestLines(out)).toHaveLength(1));
    expect(out.entries().filter((line) => line["requestId"] === id)).toHaveLength(1);
    const [line] = requestLines(out);
    expect(line).toMatchObject({
      level: "info",
      msg: "tool call",
      audit: true,
      event: "tool-call",
      requestId: id,
      mount: "calc",
      method: "POST",
      path: "/mcp",
      address: "127.0.0.1",
      status: 200,
      server: "calculator",
      tool: "add",
      subject: "u-ann",
      via: "api-key",
      arguments: { a: 1, b: 2 },
      outcome: "ok",
    });
    expect(typeof line!["durationMs"]).toBe("number");
    expect(typeof line!["callDurationMs"]).toBe("number");
  });

  it("writes how each call ended: a tool error, and an error with its message", async () => {
    const { harness, out } = await logged();
    await harness.modern("tools/call", { name: "fail", arguments: {} }, withKey());
    await harness.modern("tools/call", { name: "missing", arguments: {} }, withKey());
    await vi.waitFor(() => expect(requestLines(out)).toHaveLength(2));
    const [failed, missing] = requestLines(out);
    expect(failed).toMatchObject({ tool: "fail", outcome: "tool_error", status: 200 });
    expect(failed).not.toHaveProperty("error");
    expect(missing).toMatchObject({
      tool: "missing",
      outcome: "error",
      error: "Unknown tool: missing",
      arguments: {},
    });
    for (const line of [failed, missing]) {
      expect(line).toMatchObject({ level: "info", msg: "tool call", via: "api-key", keyId: "k1" });
      expect(line!["callDurationMs"]).toBeGreaterThanOrEqual(0);
      expect(line!["callDurationMs"]).toBeLessThanOrEqual(line!["durationMs"] as number);
    }
  });

  it("echoes a valid X-Request-Id and replaces one that could break a log line", async () => {
    const { harness, out } = await logged();
    const kept = await harness.modern(
      "tools/list",
      {},
      { ...withKey(), "x-request-id": "lb-42.a" },
    );
    expect(kept.headers.get("x-request-id")).toBe("lb-42.a");
    const replaced = await harness.modern(
      "tools/list",
      {},
      { ...withKey(), "x-request-id": 'x" injected' },
    );
    const fresh = replaced.headers.get("x-request-id");
    expect(fresh).toMatch(/^[0-9a-v]{12}-[0-9a-z]+$/);
    // Generated ids share this process's prefix and never repeat.
    const again = (await harness.modern("tools/list", {}, withKey())).headers.get("x-request-id");
    expect(again?.slice(0, 13)).toBe(fresh?.slice(0, 13));
    expect(again).not.toBe(fresh);
    await vi.waitFor(() => expect(requestLines(out)).toHaveLength(3));
    expect(requestLines(out).map((line) => line["requestId"])).toEqual(["lb-42.a", fresh, again]);
  });

  it.each([
    ["before", false],
    ["inside", true],
  ])(
    "names the MCP method and tool of a 2025-era request from the engine call (request hook %s enter)",
    async (_order, inside) => {
      // Without the audit log, so the call has a request line of its own to name it in.
      const { harness, out } = await logged({ audit: false }, inside);
      const session = await harness.initializeLegacy(withKey());
      const response = await harness.post(
        {
          jsonrpc: "2.0",
          id: 7,
          method: "tools/call",
          params: { name: "add", arguments: { a: 2, b: 2 } },
        },
        { ...withKey(), "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
      );
      expect(await response.text()).toContain('"4"');
      await vi.waitFor(() => expect(requestLines(out)).toHaveLength(3));
      const call = requestLines(out)[2]!;
      expect(call).toMatchObject({ mcpMethod: "tools/call", mcpName: "add", via: "api-key" });
      expect(call["requestId"]).toBe(response.headers.get("x-request-id"));
    },
  );

  it("logs a refused request with its status and no caller", async () => {
    const { harness, out } = await logged();
    expect((await harness.modern("tools/list")).status).toBe(401);
    await vi.waitFor(() => expect(requestLines(out)).toHaveLength(1));
    expect(requestLines(out)[0]).toMatchObject({ status: 401, mount: "calc" });
    expect(requestLines(out)[0]!["subject"]).toBeUndefined();
  });

  it("writes no request lines above info, but still the audit log", async () => {
    const { harness, out } = await logged({ level: "warn" });
    await harness.modern("tools/call", { name: "add", arguments: { a: 1, b: 1 } }, withKey());
    await vi.waitFor(() =>
      expect(auditLines(out).some((line) => line["event"] === "tool-call")).toBe(true),
    );
    expect(requestLines(out)).toHaveLength(0);
  });

  it("follows a change of the logger's level while it runs", async () => {
    const { harness, out, plugin } = await logged();
    plugin.logger.level = "warn";
    await harness.modern("tools/list", {}, withKey());
    plugin.logger.level = "info";
    await harness.modern("tools/call", { name: "add", arguments: { a: 1, b: 1 } }, withKey());
    await vi.waitFor(() => expect(requestLines(out)).toHaveLength(1));
    // The one line about a request is the tool call's: tools/list, sent at warn, has none.
    expect(requestLines(out)[0]).toMatchObject({ msg: "tool call", tool: "add", status: 200 });
  });

  it("writes one readable line per event in the pretty format", async () => {
    const { harness, out } = await logged({ format: "pretty", audit: false });
    await harness.modern("tools/call", { name: "add", arguments: { a: 1, b: 1 } }, withKey());
    await vi.waitFor(() => expect(out.text()).toContain("request"));
    const lines = out.text().trimEnd().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\S+ INFO {2}request /);
    expect(lines[0]).toContain("status=200");
    expect(lines[0]).toContain("mcpName=add");
    expect(() => JSON.parse(lines[0]!)).toThrow();
  });

  it("refuses an unknown level, format or arguments policy", () => {
    expect(() => loggingPlugin({ level: "loud" })).toThrow(/Unknown log level "loud"/);
    expect(() => loggingPlugin({ format: "xml" as "json" })).toThrow(/Unknown log format/);
    expect(() => loggingPlugin({ audit: { arguments: "some" as "full" } })).toThrow(
      /arguments policy/,
    );
  });
});

describe("audit log of tool calls", () => {
  const args = {
    user: "ann",
    password: "hunter2",
    nested: { apiKey: "sk-live-1", list: [{ access_token: "tok-9", keep: 1 }] },
    max_tokens: 5,
    aws_secret_access_key: "aws-7",
    passwordHash: "hash-3",
    secrets: { db: "db-4" },
    tokens: ["tk-5"],
    auth: "auth-6",
    headers: [
      ["Authorization", "Bearer hdr-8"],
      ["Accept", "text/plain"],
    ],
    author: "Tolkien",
  };

  async function auditedCall(options: LoggingOptions["audit"]) {
    const { harness, out } = await logged({ audit: options });
    await harness.modern("tools/call", { name: "connect", arguments: args }, withKey());
    await vi.waitFor(() => expect(requestLines(out)).toHaveLength(1));
    return { out, lines: auditLines(out).filter((line) => line["event"] === "tool-call") };
  }

  it("records who called which tool, when, how it ended and how long it took", async () => {
    const { lines, out } = await auditedCall({});
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      msg: "tool call",
      requestId: requestLines(out)[0]!["requestId"],
      mount: "calc",
      server: "calculator",
      tool: "connect",
      subject: "u-ann",
      via: "api-key",
      outcome: "ok",
    });
    expect(typeof lines[0]!["callDurationMs"]).toBe("number");
    expect(typeof lines[0]!["time"]).toBe("string");
  });

  it("redacts sensitive values at any depth by default, keeping their keys", async () => {
    const { lines, out } = await auditedCall({});
    expect(lines[0]!["arguments"]).toEqual({
      user: "ann",
      password: "[redacted]",
      nested: { apiKey: "[redacted]", list: [{ access_token: "[redacted]", keep: 1 }] },
      max_tokens: 5,
      aws_secret_access_key: "[redacted]",
      passwordHash: "[redacted]",
      secrets: "[redacted]",
      tokens: "[redacted]",
      auth: "[redacted]",
      headers: [
        ["Authorization", "[redacted]"],
        ["Accept", "text/plain"],
      ],
      author: "Tolkien",
    });
    for (const secret of [
      "hunter2",
      "sk-live-1",
      "tok-9",
      "aws-7",
      "hash-3",
      "db-4",
      "tk-5",
      "auth-6",
      "hdr-8",
    ])
      expect(out.text()).not.toContain(secret);
  });

  it("drops the arguments with omit", async () => {
    const { lines, out } = await auditedCall({ arguments: "omit" });
    expect(lines[0]).not.toHaveProperty("arguments");
    expect(out.text()).not.toContain("hunter2");
  });

  it("keeps the arguments as sent with full", async () => {
    const { lines } = await auditedCall({ arguments: "full" });
    expect(lines[0]!["arguments"]).toEqual(args);
  });

  it("redacts the keys given instead of the default list", async () => {
    const { lines } = await auditedCall({ redactKeys: ["user"] });
    expect(lines[0]!["arguments"]).toMatchObject({ user: "[redacted]", password: "hunter2" });
  });

  it("writes nothing to the audit log when it is off", async () => {
    const { lines, out } = await auditedCall(false);
    expect(lines).toHaveLength(0);
    expect(auditLines(out)).toHaveLength(0);
  });

  it("can write the audit log to its own destination", async () => {
    const separate = capture();
    const { lines, out } = await auditedCall({ destination: separate.stream });
    expect(lines).toHaveLength(0);
    expect(requestLines(out)).toMatchObject([{ msg: "request", mcpName: "connect" }]);
    await vi.waitFor(() =>
      expect(separate.entries().filter((line) => line["event"] === "tool-call")).toHaveLength(1),
    );
    const audited = separate.entries().find((line) => line["event"] === "tool-call");
    expect(audited).toMatchObject({ audit: true, tool: "connect", mount: "calc" });
    expect(audited!["requestId"]).toBe(requestLines(out)[0]!["requestId"]);
  });
});

describe("audit log of API key use", () => {
  it("takes the caller's address from X-Forwarded-For only behind a trusted proxy", async () => {
    const forwarded = { ...withKey(), "x-forwarded-for": "203.0.113.9" };
    const direct = await logged();
    await direct.harness.modern("tools/list", {}, forwarded);
    const proxied = await logged({ trustProxy: true });
    await proxied.harness.modern("tools/list", {}, forwarded);
    await vi.waitFor(() => expect(requestLines(proxied.out)).toHaveLength(1));
    await vi.waitFor(() => expect(requestLines(direct.out)).toHaveLength(1));
    expect(requestLines(direct.out)[0]!["address"]).toBe("127.0.0.1");
    expect(requestLines(proxied.out)[0]!["address"]).toBe("203.0.113.9");
    const use = auditLines(proxied.out).find((line) => line["event"] === "api-key");
    expect(use).toMatchObject({ address: "203.0.113.9", keyId: "k1" });
  });

  it("records a key's use once per holder and address in a minute, not per request", async () => {
    const { harness, out } = await logged();
    for (let i = 0; i < 3; i++) await harness.modern("tools/list", {}, withKey());
    await vi.waitFor(() => expect(requestLines(out)).toHaveLength(3));
    const uses = auditLines(out).filter((line) => line["event"] === "api-key");
    expect(uses).toHaveLength(1);
    expect(uses[0]).toMatchObject({
      action: "used",
      subject: "u-ann",
      keyId: "k1",
      mount: "calc",
      address: "127.0.0.1",
    });
  });
});

afterAll(async () => {
  await Promise.all(running.splice(0).map((harness) => harness.close()));
});
