import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureServer } from "../support/fixture.js";
import { json, readJsonRpc, sseMessages, startHttp, type TestHttp } from "../support/http.js";

let http: TestHttp;
beforeAll(async () => {
  http = await startHttp(fixtureServer());
});
afterAll(() => http.close());

let nextId = 1;
async function initialize(version = "2025-11-25", capabilities: Record<string, unknown> = {}) {
  const response = await http.raw(
    JSON.stringify({
      jsonrpc: "2.0",
      id: nextId++,
      method: "initialize",
      params: { protocolVersion: version, capabilities, clientInfo: { name: "t", version: "1" } },
    }),
  );
  const session = response.headers.get("mcp-session-id")!;
  const body = await json(response);
  await http.raw(JSON.stringify({ jsonrpc: "2.0", method: "notifications/initialized" }), {
    "mcp-session-id": session,
    "mcp-protocol-version": body.result.protocolVersion,
  });
  return { session, body };
}

function call(
  session: string,
  method: string,
  params: Record<string, unknown> = {},
  id: number = nextId++,
) {
  return http.raw(JSON.stringify({ jsonrpc: "2.0", id, method, params }), {
    "mcp-session-id": session,
    "mcp-protocol-version": "2025-11-25",
  });
}

describe("2025-era initialize", () => {
  it.each(["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"])(
    "agrees to %s",
    async (version) => {
      const { session, body } = await initialize(version);
      expect(session).toMatch(/^[0-9a-f-]{36}$/);
      expect(body.result).toMatchObject({
        protocolVersion: version,
        serverInfo: { name: "fixture" },
        instructions: "Test fixture.",
      });
    },
  );

  it("offers its latest legacy version for an unknown one", async () => {
    const { body } = await initialize("1999-01-01");
    expect(body.result.protocolVersion).toBe("2025-11-25");
  });

  it("requires the session id after initialize, and rejects an unknown one with 404", async () => {
    const missing = await http.raw(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }));
    expect(missing.status).toBe(400);
    const unknown = await call("00000000-0000-0000-0000-000000000000", "tools/list");
    expect(unknown.status).toBe(404);
  });

  it("answers ping, logging/setLevel and resources/subscribe", async () => {
    const { session } = await initialize();
    expect((await json(await call(session, "ping"))).result).toEqual({});
    expect(
      (await json(await call(session, "logging/setLevel", { level: "warning" }))).result,
    ).toEqual({});
    const bad = await json(await call(session, "logging/setLevel", { level: "loud" }));
    expect(bad.error.code).toBe(-32602);
    expect(
      (await json(await call(session, "resources/subscribe", { uri: "file:///readme.md" }))).result,
    ).toEqual({});
  });

  it("reports a missing resource with -32002", async () => {
    const { session } = await initialize();
    const body = await json(await call(session, "resources/read", { uri: "file:///nope" }));
    expect(body.error.code).toBe(-32002);
  });

  it("ends the session on DELETE", async () => {
    const { session } = await initialize();
    const deleted = await http.raw("", { "mcp-session-id": session }, "DELETE");
    expect(deleted.status).toBe(200);
    expect((await call(session, "tools/list")).status).toBe(404);
  });
});

describe("2025-era streams", () => {
  it("streams progress, then the result, on the POST's SSE stream", async () => {
    const { session } = await initialize();
    const response = await call(session, "tools/call", {
      name: "progress",
      arguments: {},
      _meta: { progressToken: 9 },
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const messages = sseMessages(await response.text());
    expect(
      messages.filter((m) => m.method === "notifications/progress").map((m) => m.params.progress),
    ).toEqual([1, 2]);
    expect(messages.at(-1).result.content[0].text).toBe("ok");
  });

  it("filters log messages by the level the client set", async () => {
    const { session } = await initialize();
    await call(session, "logging/setLevel", { level: "info" });
    const messages = sseMessages(
      await (await call(session, "tools/call", { name: "progress", arguments: {} })).text(),
    );
    const logs = messages
      .filter((m) => m.method === "notifications/message")
      .map((m) => m.params.level);
    expect(logs).toEqual(["info"]);
  });

  it("sends an elicitation request on the stream and resumes with the client's answer", async () => {
    const { session } = await initialize("2025-11-25", { elicitation: {} });
    const pending = call(session, "tools/call", { name: "ask", arguments: {} });
    const response = await pending;
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const answer = async (content: Record<string, unknown>) => {
      while (!text.includes("elicitation/create"))
        text += decoder.decode((await reader.read()).value);
      const request = sseMessages(text).find((m) => m.method === "elicitation/create");
      text = "";
      const reply = await http.raw(
        JSON.stringify({ jsonrpc: "2.0", id: request.id, result: { action: "accept", content } }),
        {
          "mcp-session-id": session,
        },
      );
      expect(reply.status).toBe(202);
    };
    await answer({ name: "Ada" });
    await answer({ colour: "teal" });
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += decoder.decode(value);
    }
    expect(sseMessages(rest).at(-1).result.content[0].text).toBe("Ada likes teal");
  });

  it("cancels a request on notifications/cancelled", async () => {
    const { session } = await initialize();
    const id = nextId++;
    const pending = call(session, "tools/call", { name: "wait", arguments: { ms: 5000 } }, id);
    await new Promise((r) => setTimeout(r, 50));
    await http.raw(
      JSON.stringify({
        jsonrpc: "2.0",
        method: "notifications/cancelled",
        params: { requestId: id },
      }),
      {
        "mcp-session-id": session,
      },
    );
    const started = Date.now();
    await (await pending).text();
    expect(Date.now() - started).toBeLessThan(2000);
    const count = await readJsonRpc(
      await call(session, "tools/call", { name: "cancelled_count", arguments: {} }),
    );
    expect(Number(count.result.content[0].text)).toBeGreaterThanOrEqual(1);
  });

  it("delivers list changes and subscribed resource updates on the GET stream", async () => {
    const server = fixtureServer();
    const local = await startHttp(server);
    try {
      const init = await local.raw(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "initialize",
          params: { protocolVersion: "2025-11-25", capabilities: {} },
        }),
      );
      const session = init.headers.get("mcp-session-id")!;
      await local.raw(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 2,
          method: "resources/subscribe",
          params: { uri: "file:///readme.md" },
        }),
        {
          "mcp-session-id": session,
        },
      );
      const stream = await local.raw(
        "",
        { "mcp-session-id": session, accept: "text/event-stream" },
        "GET",
      );
      expect(stream.status).toBe(200);
      const second = await local.raw(
        "",
        { "mcp-session-id": session, accept: "text/event-stream" },
        "GET",
      );
      expect(second.status).toBe(409);
      server.tool("late", {}, () => "late");
      server.resourceUpdated("file:///readme.md");
      server.resourceUpdated("file:///other");
      const reader = stream.body!.getReader();
      let text = "";
      while (sseMessages(text).length < 2)
        text += new TextDecoder().decode((await reader.read()).value);
      const messages = sseMessages(text);
      expect(messages.map((m) => m.method)).toEqual([
        "notifications/tools/list_changed",
        "notifications/resources/updated",
      ]);
      expect(messages[1].params.uri).toBe("file:///readme.md");
      expect(text).toMatch(/^id: /m);
      await reader.cancel();
    } finally {
      await local.close();
    }
  });

  it("replays missed events to a client that resumes a broken stream with Last-Event-ID", async () => {
    const { session } = await initialize();
    const controller = new AbortController();
    const response = await fetch(http.url, {
      method: "POST",
      signal: controller.signal,
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-session-id": session,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 99,
        method: "tools/call",
        params: { name: "ticker", arguments: { count: 6, ms: 40 }, _meta: { progressToken: "t" } },
      }),
    });
    const reader = response.body!.getReader();
    let text = "";
    while (!text.includes("\n\n")) text += new TextDecoder().decode((await reader.read()).value);
    const firstId = /^id: (.+)$/m.exec(text)![1]!;
    controller.abort();
    await new Promise((r) => setTimeout(r, 120));
    const resumed = await http.raw(
      "",
      { "mcp-session-id": session, accept: "text/event-stream", "last-event-id": firstId },
      "GET",
    );
    const messages = sseMessages(await resumed.text());
    const progress = messages
      .filter((m) => m.method === "notifications/progress")
      .map((m) => m.params.progress);
    expect(progress).toEqual([2, 3, 4, 5, 6]);
    expect(messages.at(-1)).toMatchObject({ id: 99, result: { content: [{ text: "ticked 6" }] } });
  });
});
