import { createServer as createNodeServer } from "node:http";
import { mcpExpress } from "berth/express";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureServer } from "../support/fixture.js";
import { json } from "../support/http.js";
import {
  expectSession,
  LEGACY_V2_CLIENT,
  listen,
  MODERN_CLIENT,
  modernInit,
  oversized,
  rawInit,
  V1_CLIENT,
} from "./support.js";

describe.each([
  ["without a body parser", false],
  ["after express.json()", true],
])("Express %s", (_name, parsesJson) => {
  const mcp = mcpExpress(fixtureServer(), { maxBodyBytes: 2048 });
  let url: URL;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const app = express();
    if (parsesJson) app.use(express.json());
    app.get("/health", (_req, res) => {
      res.json({ ok: true });
    });
    app.post("/echo", (req, res) => {
      res.json({ received: req.body ?? null });
    });
    app.all("/mcp", mcp);
    ({ url, close } = await listen(createNodeServer(app)));
  });
  afterAll(async () => {
    mcp.close();
    await close();
  });

  it("lets the v2 client discover, list and call tools on 2026-07-28", async () => {
    await expectSession(MODERN_CLIENT, url);
  });

  it("serves a 2025-11-25 session to the v2 client and closes it", async () => {
    await expectSession(LEGACY_V2_CLIENT, url);
    expect(mcp.sessionCount).toBe(0);
  });

  it("serves a 2025-era session to the v1 SDK client", async () => {
    await expectSession(V1_CLIENT, url);
  });

  it("leaves the app's other routes and their body parsing alone", async () => {
    expect(await (await fetch(new URL("/health", url))).json()).toEqual({ ok: true });
    const echoed = await fetch(new URL("/echo", url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"a":1}',
    });
    expect(await json(echoed)).toEqual({ received: parsesJson ? { a: 1 } : null });
  });
});

describe("Express refusals when Berth reads the body", () => {
  const mcp = mcpExpress(fixtureServer(), { maxBodyBytes: 2048 });
  let url: URL;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const app = express();
    app.use("/mcp", mcp);
    ({ url, close } = await listen(createNodeServer(app)));
  });
  afterAll(async () => {
    mcp.close();
    await close();
  });

  it("answers a body that is not JSON with 400 and a JSON-RPC parse error", async () => {
    const response = await fetch(url, rawInit("{nope"));
    expect(response.status).toBe(400);
    expect((await json(response)).error.code).toBe(-32700);
  });

  it("answers a body past maxBodyBytes with 413", async () => {
    const response = await fetch(url, rawInit(oversized(8192)));
    expect(response.status).toBe(413);
    expect((await json(response)).error.message).toContain("2048 bytes");
  });

  it("serves the endpoint mounted with app.use", async () => {
    const response = await fetch(
      url,
      modernInit("tools/call", { name: "echo", arguments: { text: "used" } }),
    );
    expect((await json(response)).result.content[0].text).toBe("used");
  });
});

describe("Express with a parser that already read the body", () => {
  it("holds a parsed body to maxBodyBytes too", async () => {
    const mcp = mcpExpress(fixtureServer(), { maxBodyBytes: 1024 });
    const app = express();
    app.use(express.json({ limit: "1mb" }));
    app.all("/mcp", mcp);
    const { url, close } = await listen(createNodeServer(app));
    try {
      const body = JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/list",
        params: { pad: "x".repeat(4096) },
      });
      const response = await fetch(url, rawInit(body));
      expect(response.status).toBe(413);
    } finally {
      mcp.close();
      await close();
    }
  });

  it("says so when a middleware read the body and left nothing", async () => {
    const mcp = mcpExpress(fixtureServer());
    const app = express();
    app.use((req, _res, next) => {
      req.on("end", () => next());
      req.resume();
    });
    app.all("/mcp", mcp);
    const { url, close } = await listen(createNodeServer(app));
    try {
      const response = await fetch(url, modernInit("tools/list"));
      expect(response.status).toBe(500);
      expect((await json(response)).error.message).toContain("mount the endpoint before");
    } finally {
      mcp.close();
      await close();
    }
  });
});
