import { createServer, InMemoryEventStore } from "berth";
import { afterEach, describe, expect, it } from "vitest";
import { json, sseMessages, startHttp, type TestHttp } from "../support/http.js";

/** Regressions for 2025-era sessions: isolation between sessions, resumption, cleanup. */

let http: TestHttp | undefined;
afterEach(async () => {
  await http?.close();
  http = undefined;
});

function askingServer() {
  const server = createServer({ name: "t", version: "1" });
  server.tool("confirm", { description: "Asks for confirmation" }, async (_a, ctx) => {
    const answer = await ctx.elicit({
      message: "Delete everything?",
      requestedSchema: { type: "object", properties: {} },
    });
    return `answer: ${answer.action}`;
  });
  server.tool("ticks", { description: "Three progress ticks" }, async (_a, ctx) => {
    for (let i = 1; i <= 3; i++) {
      await new Promise((r) => setTimeout(r, 30));
      await ctx.progress(i, 3);
    }
    return "done";
  });
  server.tool("bigint", { description: "Logs a value JSON cannot hold" }, (_a, ctx) => {
    ctx.log.info({ row: 1n });
    return "unreachable";
  });
  return server;
}

async function open(h: TestHttp, capabilities: Record<string, unknown> = {}) {
  const init = await h.raw(
    JSON.stringify({
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: { protocolVersion: "2025-11-25", capabilities },
    }),
  );
  return init.headers.get("mcp-session-id")!;
}

const post = (h: TestHttp, session: string, body: unknown, signal?: AbortSignal) =>
  fetch(h.url, {
    method: "POST",
    ...(signal ? { signal } : {}),
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-session-id": session,
    },
    body: JSON.stringify(body),
  });

async function readUntil(
  response: Response,
  predicate: (text: string) => boolean,
): Promise<string> {
  const reader = response.body!.getReader();
  let text = "";
  while (!predicate(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return text;
}

describe("2025-era session isolation", () => {
  it("ignores an answer to another session's elicitation (regression: cross-session answers)", async () => {
    http = await startHttp(askingServer());
    const victim = await open(http, { elicitation: {} });
    const attacker = await open(http, { elicitation: {} });
    const call = await post(http, victim, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "confirm" },
    });
    const text = await readUntil(call, (t) => t.includes("elicitation/create"));
    const asked = sseMessages(text).find((m) => m.method === "elicitation/create");
    const forged = await post(http, attacker, {
      jsonrpc: "2.0",
      id: asked.id,
      result: { action: "accept" },
    });
    expect(forged.status).toBe(202);
    await post(http, victim, { jsonrpc: "2.0", id: asked.id, result: { action: "decline" } });
    const rest = await readUntil(call, () => false);
    expect(sseMessages(rest).at(-1).result.content[0].text).toBe("answer: decline");
  });

  it("refuses to resume another session's stream (regression: Last-Event-ID hijack)", async () => {
    http = await startHttp(askingServer());
    const owner = await open(http);
    const other = await open(http);
    const call = await post(http, owner, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "ticks", _meta: { progressToken: 1 } },
    });
    const text = await readUntil(call, (t) => t.includes("\n\n"));
    const eventId = /^id: (.+)$/m.exec(text)![1]!;
    const stolen = await http.raw(
      "",
      { "mcp-session-id": other, accept: "text/event-stream", "last-event-id": eventId },
      "GET",
    );
    expect(stolen.status).toBe(404);
    const own = await readUntil(call, () => false);
    expect(sseMessages(own).at(-1).result.content[0].text).toBe("done");
  });

  it("keeps a finished stream's result for a client that resumes late (regression: result forgotten)", async () => {
    http = await startHttp(askingServer());
    const session = await open(http);
    const controller = new AbortController();
    const call = await post(
      http,
      session,
      {
        jsonrpc: "2.0",
        id: 7,
        method: "tools/call",
        params: { name: "ticks", _meta: { progressToken: 1 } },
      },
      controller.signal,
    );
    const text = await readUntil(call, (t) => t.includes("\n\n"));
    const eventId = /^id: (.+)$/m.exec(text)![1]!;
    controller.abort();
    await new Promise((r) => setTimeout(r, 300));
    const resumed = await http.raw(
      "",
      { "mcp-session-id": session, accept: "text/event-stream", "last-event-id": eventId },
      "GET",
    );
    const messages = sseMessages(await resumed.text());
    expect(messages.map((m) => m.params?.progress ?? m.result?.content[0].text)).toEqual([
      2,
      3,
      "done",
    ]);
  });

  it("ends the session's GET stream when the session is deleted (regression: stream left open)", async () => {
    http = await startHttp(askingServer());
    const session = await open(http);
    const stream = await http.raw(
      "",
      { "mcp-session-id": session, accept: "text/event-stream" },
      "GET",
    );
    expect((await http.raw("", { "mcp-session-id": session }, "DELETE")).status).toBe(200);
    const rest = await readUntil(stream, () => false);
    expect(rest).toBe("");
  });

  it("answers a log message JSON cannot encode with a tool error and keeps serving (regression: process crash)", async () => {
    http = await startHttp(askingServer());
    const session = await open(http);
    const response = await post(http, session, {
      jsonrpc: "2.0",
      id: 3,
      method: "tools/call",
      params: { name: "bigint" },
    });
    expect((await json(response)).result).toMatchObject({ isError: true });
    const again = await post(http, session, { jsonrpc: "2.0", id: 4, method: "tools/list" });
    expect((await json(again)).result.tools.length).toBe(3);
  });

  it("keeps serving when the event store fails (regression: process crash)", async () => {
    const events = new InMemoryEventStore();
    events.append = () => {
      throw new Error("store down");
    };
    http = await startHttp(askingServer(), { eventStore: events });
    const session = await open(http);
    const response = await post(http, session, {
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "ticks", _meta: { progressToken: 1 } },
    });
    expect(sseMessages(await response.text()).at(-1).result.content[0].text).toBe("done");
  });
});

describe("2025-era session cleanup", () => {
  it("closes an idle session nobody listens to, even while it waits for the client (regression: hung session)", async () => {
    const server = askingServer();
    http = await startHttp(server, { sessionIdleMs: 100 });
    const session = await open(http, { elicitation: {} });
    const controller = new AbortController();
    const call = await post(
      http,
      session,
      { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "confirm" } },
      controller.signal,
    );
    await readUntil(call, (t) => t.includes("elicitation/create"));
    controller.abort();
    // The sweeper runs every sessionIdleMs.
    await new Promise((r) => setTimeout(r, 350));
    expect(http.running.endpoint.sessionCount).toBe(0);
  });

  it("registers no change listener for stateless initialize (regression: listener leak)", async () => {
    const server = askingServer();
    let listeners = 0;
    const onChange = server.onChange.bind(server);
    server.onChange = (listener) => {
      listeners++;
      const off = onChange(listener);
      return () => {
        listeners--;
        return off();
      };
    };
    http = await startHttp(server, { sessions: false });
    for (let i = 0; i < 20; i++) await open(http);
    expect(listeners).toBe(0);
  });
});
