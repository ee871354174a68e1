/**
 * Berth inside a Hono app, served on Node by @hono/node-server:
 * `node dist/examples/embedding/hono.js`, then point a client at http://127.0.0.1:3000/mcp.
 * Hono apps speak the stateless 2026-07-28 protocol; on Bun, Deno or Workers export `app`.
 */
import { serve } from "@hono/node-server";
import { mcpHono } from "berth/hono";
import { Hono } from "hono";
import { server } from "./server.js";

const port = Number(process.env["PORT"] ?? 3000);
export const app = new Hono();

app.get("/status", (c) => c.json({ ok: true }));
app.all("/mcp", mcpHono(server));

if (process.argv[1]?.endsWith("hono.js")) {
  serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, (info) => {
    console.error(`Hono app with MCP at http://127.0.0.1:${info.port}/mcp`);
  });
}
