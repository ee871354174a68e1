import { type ServerType, serve } from "@hono/node-server";
import { mcpHono } from "berth/hono";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureServer } from "../support/fixture.js";
import { json } from "../support/http.js";
import { expectSession, MODERN_CLIENT, modernInit, oversized, rawInit } from "./support.js";

const mcp = mcpHono(fixtureServer(), { maxBodyBytes: 2048 });
const app = new Hono();
app.get("/", (c) => c.text("home"));
app.all("/mcp", mcp);

afterAll(() => mcp.close());

describe("Hono on @hono/node-server", () => {
  let node: ServerType;
  let url: URL;
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      node = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
        url = new URL(`http://127.0.0.1:${info.port}/mcp`);
        resolve();
      });
    });
  });
  afterAll(() => new Promise<void>((resolve) => node.close(() => resolve())));

  it("lets the official client discover, list and call tools on 2026-07-28", async () => {
    await expectSession(MODERN_CLIENT, url);
  });

  it("leaves the app's other routes alone", async () => {
    const response = await fetch(new URL("/", url));
    expect(await response.text()).toBe("home");
  });
});

describe("Hono app.request", () => {
  it("answers server/discover and tools/call", async () => {
    const discover = await app.request("http://localhost/mcp", modernInit("server/discover"));
    expect(discover.status).toBe(200);
    expect((await json(discover)).result.supportedVersions).toContain("2026-07-28");
    const called = await app.request(
      "http://localhost/mcp",
      modernInit("tools/call", { name: "add", arguments: { a: 2, b: 3 } }),
    );
    expect((await json(called)).result.structuredContent).toEqual({ sum: 5 });
  });

  it("refuses a body that is not JSON with 400 and a JSON-RPC parse error", async () => {
    const response = await app.request("http://localhost/mcp", rawInit("{nope"));
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe(-32700);
  });

  it("refuses a body past maxBodyBytes with 413", async () => {
    const response = await app.request("http://localhost/mcp", rawInit(oversized(4096)));
    expect(response.status).toBe(413);
  });
});
