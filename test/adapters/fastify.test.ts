import { mcpFastify, mcpFastifyRoute } from "berth/fastify";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureServer } from "../support/fixture.js";
import { json } from "../support/http.js";
import {
  expectSession,
  LEGACY_V2_CLIENT,
  MODERN_CLIENT,
  modernInit,
  oversized,
  rawInit,
  V1_CLIENT,
} from "./support.js";

async function start(app: FastifyInstance, path = "/mcp"): Promise<URL> {
  const address = await app.listen({ port: 0, host: "127.0.0.1" });
  return new URL(path, address);
}

describe("Fastify plugin", () => {
  const app = Fastify();
  let url: URL;
  beforeAll(async () => {
    app.post("/echo", async (request) => ({ received: request.body }));
    await app.register(mcpFastify, { server: fixtureServer(), maxBodyBytes: 2048 });
    url = await start(app);
  });
  afterAll(() => app.close());

  it("lets the v2 client discover, list and call tools on 2026-07-28", async () => {
    await expectSession(MODERN_CLIENT, url);
  });

  it("serves a 2025-11-25 session to the v2 client", async () => {
    await expectSession(LEGACY_V2_CLIENT, url);
  });

  it("serves a 2025-era session to the v1 SDK client", async () => {
    await expectSession(V1_CLIENT, url);
  });

  it("keeps JSON parsing on the app's other routes", async () => {
    const response = await fetch(new URL("/echo", url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"a":1}',
    });
    expect(await json(response)).toEqual({ received: { a: 1 } });
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

  it("answers another content type with 415 as a JSON-RPC error", async () => {
    const response = await fetch(url, rawInit("{}", { "content-type": "text/plain" }));
    expect(response.status).toBe(415);
    expect((await json(response)).error.code).toBe(-32600);
  });

  it("answers GET from a 2026-07-28 client with 405", async () => {
    const response = await fetch(url, { headers: { "mcp-protocol-version": "2026-07-28" } });
    expect(response.status).toBe(405);
  });
});

describe("Fastify plugin under a prefix", () => {
  const app = Fastify();
  const server = fixtureServer();
  let url: URL;
  beforeAll(async () => {
    await app.register(mcpFastify, { server, prefix: "/tools", path: "/mcp" });
    url = await start(app, "/tools/mcp");
  });
  afterAll(() => app.close());

  it("serves the endpoint at prefix + path", async () => {
    const response = await fetch(
      url,
      modernInit("tools/call", { name: "echo", arguments: { text: "p" } }),
    );
    expect((await json(response)).result.content[0].text).toBe("p");
  });
});

describe("Fastify route handler behind Fastify's own JSON parser", () => {
  const app = Fastify();
  let url: URL;
  const route = mcpFastifyRoute(fixtureServer());
  beforeAll(async () => {
    app.all("/mcp", route);
    url = await start(app);
  });
  afterAll(async () => {
    route.close();
    await app.close();
  });

  it("takes the body Fastify parsed and completes a 2026-07-28 session", async () => {
    await expectSession(MODERN_CLIENT, url);
  });

  it("takes the body Fastify parsed for a 2025-era session", async () => {
    await expectSession(LEGACY_V2_CLIENT, url);
    expect(route.sessionCount).toBe(0);
  });
});
