import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createServer, TimeoutError } from "berth";
import { afterEach, describe, expect, it } from "vitest";
import { startHttp, type TestHttp } from "../../support/http.js";

let http: TestHttp | undefined;
afterEach(async () => {
  await http?.close();
  http = undefined;
});

/** What the slow handlers saw of their signal. */
interface Seen {
  aborted: boolean;
  reason: unknown;
  at: number;
}

function slowServer(seen: Seen[]) {
  const server = createServer({ name: "slow", version: "1.0.0" });
  const waitForAbort = (_args: unknown, ctx: { signal: AbortSignal }) =>
    new Promise<string>((resolve) => {
      const finish = () => {
        seen.push({ aborted: ctx.signal.aborted, reason: ctx.signal.reason, at: Date.now() });
        resolve("finished anyway");
      };
      ctx.signal.addEventListener("abort", finish, { once: true });
    });
  server.tool("heeds", { description: "Stops when told", timeoutMs: 300 }, waitForAbort);
  server.tool("ignores", { description: "Never looks at its signal", timeoutMs: 300 }, () => {
    return new Promise<string>((resolve) => setTimeout(() => resolve("too late"), 3_000).unref());
  });
  server.tool("unlimited", { description: "No limit of its own" }, waitForAbort);
  server.tool("quick", { description: "Answers at once", timeoutMs: 300 }, () => "quick");
  return server;
}

describe("a tool's timeoutMs", () => {
  it("fires the handler's signal with a TimeoutError and answers with -32001", async () => {
    const seen: Seen[] = [];
    http = await startHttp(slowServer(seen));
    const started = Date.now();
    const { status, body } = await http.modern("tools/call", { name: "heeds", arguments: {} });
    expect(status).toBe(200);
    expect(body.error).toEqual({
      code: -32001,
      message: "Tool heeds timed out after 300 ms",
      data: { timeoutMs: 300 },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.aborted).toBe(true);
    expect(seen[0]?.reason).toBeInstanceOf(TimeoutError);
    expect(seen[0]!.at - started).toBeGreaterThanOrEqual(250);
  });

  it("answers at the deadline even when the handler ignores its signal", async () => {
    http = await startHttp(slowServer([]));
    const started = Date.now();
    const { body } = await http.modern("tools/call", { name: "ignores", arguments: {} });
    expect(body.error.message).toBe("Tool ignores timed out after 300 ms");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("leaves calls that finish in time alone", async () => {
    http = await startHttp(slowServer([]));
    const { body } = await http.modern("tools/call", { name: "quick", arguments: {} });
    expect(body.result.content[0].text).toBe("quick");
  });

  it("answers a 2025-era client in a session with the timeout error, not silence", async () => {
    const seen: Seen[] = [];
    http = await startHttp(slowServer(seen));
    const client = new Client({ name: "v1", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(http.url)));
    try {
      await expect(client.callTool({ name: "heeds", arguments: {} })).rejects.toMatchObject({
        code: -32001,
        message: expect.stringContaining("Tool heeds timed out after 300 ms"),
      });
      expect(seen[0]?.aborted).toBe(true);
    } finally {
      await client.close();
    }
  });

  it("must be a positive whole number of milliseconds", () => {
    const server = createServer({ name: "bad", version: "1.0.0" });
    expect(() => server.tool("t", { timeoutMs: 0 }, () => "x")).toThrow(
      "Tool 't': timeoutMs must be a positive whole number of milliseconds",
    );
  });
});

describe("the endpoint's requestTimeoutMs", () => {
  it("limits every request, firing the signal of a tool without a limit of its own", async () => {
    const seen: Seen[] = [];
    http = await startHttp(slowServer(seen), { requestTimeoutMs: 200 });
    const { status, body } = await http.modern("tools/call", { name: "unlimited", arguments: {} });
    expect(status).toBe(200);
    expect(body.error).toMatchObject({
      code: -32001,
      message: "Request tools/call timed out after 200 ms",
    });
    expect(seen[0]?.aborted).toBe(true);
  });

  it("lets the earlier of the two limits win", async () => {
    http = await startHttp(slowServer([]), { requestTimeoutMs: 5_000 });
    const { body } = await http.modern("tools/call", { name: "heeds", arguments: {} });
    expect(body.error.message).toBe("Tool heeds timed out after 300 ms");
  });
});
