import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureServer } from "../support/fixture.js";
import { json, startHttp, type TestHttp } from "../support/http.js";

let http: TestHttp;
beforeAll(async () => {
  http = await startHttp(fixtureServer(), { sessions: false });
});
afterAll(() => http.close());

describe("2025-era clients without sessions", () => {
  it("initializes without issuing a session id and serves requests without one", async () => {
    const init = await http.raw(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-06-18", capabilities: {} },
      }),
    );
    expect(init.headers.get("mcp-session-id")).toBeNull();
    expect((await json(init)).result.protocolVersion).toBe("2025-06-18");
    const call = await http.raw(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 2,
        method: "tools/call",
        params: { name: "echo", arguments: { text: "hi" } },
      }),
      { "mcp-protocol-version": "2025-06-18" },
    );
    expect((await json(call)).result.content[0].text).toBe("hi");
    expect(http.running.endpoint.sessionCount).toBe(0);
  });

  it("answers GET and DELETE with 405, since there is no session to stream to or end", async () => {
    for (const method of ["GET", "DELETE"]) {
      expect((await http.raw("", { accept: "text/event-stream" }, method)).status).toBe(405);
    }
  });

  it("refuses an unsupported MCP-Protocol-Version header", async () => {
    const response = await http.raw(
      JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list" }),
      {
        "mcp-protocol-version": "1999-01-01",
      },
    );
    expect(response.status).toBe(400);
  });
});
