import { spawn } from "node:child_process";
import { PassThrough } from "node:stream";
import { serveStdio } from "berth";
import { describe, expect, it } from "vitest";
import { fixtureServer } from "../support/fixture.js";
import { modernMeta } from "../support/http.js";

/** A stdio connection over in-memory pipes. */
function connect(server = fixtureServer()) {
  const input = new PassThrough();
  const output = new PassThrough();
  const connection = serveStdio(server, { input, output });
  const received: any[] = [];
  const waiters: (() => void)[] = [];
  let buffer = "";
  output.on("data", (chunk) => {
    buffer += chunk.toString();
    let at = buffer.indexOf("\n");
    while (at >= 0) {
      received.push(JSON.parse(buffer.slice(0, at)));
      buffer = buffer.slice(at + 1);
      at = buffer.indexOf("\n");
    }
    for (const wake of waiters.splice(0)) wake();
  });
  const until = async (predicate: (m: any) => boolean) => {
    for (;;) {
      const found = received.find(predicate);
      if (found) return found;
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return {
    connection,
    input,
    received,
    send: (message: unknown) =>
      input.write(`${typeof message === "string" ? message : JSON.stringify(message)}\n`),
    until,
    response: (id: number | string) => until((m) => m.id === id && ("result" in m || "error" in m)),
    end: () => input.end(),
  };
}

describe("stdio", () => {
  it("serves 2026-07-28 requests", async () => {
    const c = connect();
    c.send({ jsonrpc: "2.0", id: 1, method: "server/discover", params: { _meta: modernMeta() } });
    expect((await c.response(1)).result.supportedVersions[0]).toBe("2026-07-28");
    c.send({
      jsonrpc: "2.0",
      id: 2,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "hi" }, _meta: modernMeta() },
    });
    expect((await c.response(2)).result).toMatchObject({
      resultType: "complete",
      content: [{ text: "hi" }],
    });
    c.end();
    await c.connection.closed;
  });

  it("serves a legacy session with a server-to-client elicitation", async () => {
    const c = connect();
    c.send({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: { elicitation: {} } },
    });
    expect((await c.response(1)).result.protocolVersion).toBe("2025-06-18");
    c.send({ jsonrpc: "2.0", method: "notifications/initialized" });
    c.send({ jsonrpc: "2.0", id: 2, method: "tools/call", params: { name: "ask", arguments: {} } });
    const first = await c.until(
      (m) => m.method === "elicitation/create" && m.params.message === "Name?",
    );
    c.send({
      jsonrpc: "2.0",
      id: first.id,
      result: { action: "accept", content: { name: "Ada" } },
    });
    const second = await c.until(
      (m) => m.method === "elicitation/create" && m.params.message === "Colour?",
    );
    c.send({
      jsonrpc: "2.0",
      id: second.id,
      result: { action: "accept", content: { colour: "teal" } },
    });
    expect((await c.response(2)).result.content[0].text).toBe("Ada likes teal");
    c.end();
    await c.connection.closed;
  });

  it("cancels a request on notifications/cancelled and sends no response for it", async () => {
    const c = connect();
    c.send({
      jsonrpc: "2.0",
      id: 5,
      method: "tools/call",
      params: { name: "wait", arguments: { ms: 5000 }, _meta: modernMeta() },
    });
    await new Promise((r) => setTimeout(r, 30));
    c.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: 5 } });
    c.send({
      jsonrpc: "2.0",
      id: 6,
      method: "tools/call",
      params: { name: "cancelled_count", arguments: {}, _meta: modernMeta() },
    });
    expect((await c.response(6)).result.content[0].text).toBe("1");
    c.end();
    await c.connection.closed;
    expect(c.received.some((m) => m.id === 5)).toBe(false);
  });

  it("multiplexes subscriptions/listen by subscription id and ends them with a result on EOF", async () => {
    const c = connect();
    c.send({
      jsonrpc: "2.0",
      id: "sub",
      method: "subscriptions/listen",
      params: { _meta: modernMeta(), notifications: { toolsListChanged: true } },
    });
    const ack = await c.until((m) => m.method === "notifications/subscriptions/acknowledged");
    expect(ack.params._meta["io.modelcontextprotocol/subscriptionId"]).toBe("sub");
    c.send({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "x" }, _meta: modernMeta() },
    });
    await c.response(1);
    c.end();
    await c.connection.closed;
    expect(c.received.at(-1)).toMatchObject({ id: "sub", result: { resultType: "complete" } });
  });

  it("decodes a multi-byte character split across chunks (regression: mangled UTF-8)", async () => {
    const c = connect();
    const line = Buffer.from(
      `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "echo", arguments: { text: "héllo 世界" }, _meta: modernMeta() } })}\n`,
    );
    const at = line.indexOf(Buffer.from("世")) + 1;
    c.input.write(line.subarray(0, at));
    c.input.write(line.subarray(at));
    expect((await c.response(1)).result.content[0].text).toBe("héllo 世界");
    c.end();
    await c.connection.closed;
  });

  it("refuses a second listen with an id in use, and sends a 2026 client nothing it did not ask for (regression)", async () => {
    const server = fixtureServer();
    const c = connect(server);
    const listenRequest = {
      jsonrpc: "2.0",
      id: "L",
      method: "subscriptions/listen",
      params: { _meta: modernMeta(), notifications: { toolsListChanged: true } },
    };
    c.send(listenRequest);
    await c.until((m) => m.method === "notifications/subscriptions/acknowledged");
    c.send(listenRequest);
    expect((await c.response("L")).error.code).toBe(-32600);
    c.send({ jsonrpc: "2.0", method: "notifications/cancelled", params: { requestId: "L" } });
    await new Promise((r) => setTimeout(r, 20));
    server.tool("late", { description: "d" }, () => "x");
    c.send({ jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: modernMeta() } });
    await c.response(2);
    expect(c.received.filter((m) => m.method === "notifications/tools/list_changed")).toEqual([]);
    c.end();
    await c.connection.closed;
  });

  it("skips the rest of an oversized line instead of parsing its tail", async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    const connection = serveStdio(fixtureServer(), { input, output, maxLineBytes: 64 });
    const lines: any[] = [];
    output.on("data", (chunk) =>
      lines.push(
        ...chunk
          .toString()
          .trim()
          .split("\n")
          .map((l: string) => JSON.parse(l)),
      ),
    );
    input.write(
      `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"pad":"${"x".repeat(100)}`,
    );
    input.write(`${"y".repeat(100)}"}}\n`);
    input.write(
      `${JSON.stringify({ jsonrpc: "2.0", id: 2, method: "server/discover", params: { _meta: modernMeta() } })}\n`,
    );
    input.end();
    await connection.closed;
    expect(lines.map((m) => m.error?.code ?? "ok")).toEqual([-32600, "ok"]);
  });

  it("answers bad lines with errors and keeps serving", async () => {
    const c = connect();
    c.send("{not json");
    c.send("[]");
    c.send({ jsonrpc: "2.0", id: 3, method: "nope/nope", params: { _meta: modernMeta() } });
    c.send({ jsonrpc: "2.0", id: 4, method: "tools/call", params: { _meta: modernMeta() } });
    c.send({ jsonrpc: "2.0", id: 5, method: "tools/list", params: { _meta: modernMeta() } });
    await c.response(5);
    expect(c.received[0].error.code).toBe(-32700);
    expect(c.received[1].error.code).toBe(-32600);
    expect((await c.response(3)).error.code).toBe(-32601);
    expect((await c.response(4)).error).toMatchObject({
      code: -32602,
      message: "Missing required parameter 'name'",
    });
    c.end();
    await c.connection.closed;
  });

  it("runs the CLI: only protocol on stdout, exits cleanly on EOF and on SIGTERM", async () => {
    const run = (signal?: NodeJS.Signals) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          ["dist/src/cli/main.js", "stdio", "dist/examples/demo.js"],
          { stdio: ["pipe", "pipe", "pipe"] },
        );
        let stdout = "";
        child.stdout.on("data", (chunk) => {
          stdout += chunk;
          if (signal && stdout.includes("\n")) child.kill(signal);
        });
        child.on("exit", (code) => resolve({ code, stdout }));
        child.stdin.write(
          `${JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: { _meta: modernMeta() } })}\n`,
        );
        if (!signal) child.stdin.end();
      });
    for (const outcome of [await run(), await run("SIGTERM")]) {
      expect(outcome.code).toBe(0);
      const lines = outcome.stdout.trim().split("\n");
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0]!).result.tools.length).toBeGreaterThan(0);
    }
  });
});
