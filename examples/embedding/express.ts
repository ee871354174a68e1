/**
 * Berth inside an Express app: `node dist/examples/embedding/express.js`, then point a
 * client at http://127.0.0.1:3000/mcp. Both protocol eras are served.
 */

import type { AddressInfo } from "node:net";
import { mcpExpress } from "berth/express";
import express from "express";
import { server } from "./server.js";

const port = Number(process.env["PORT"] ?? 3000);
const app = express();
const mcp = mcpExpress(server);

app.all("/mcp", mcp);
// The app's own JSON routes parse their bodies; the MCP endpoint reads its own.
app.get("/status", (_req, res) => {
  res.json({ ok: true, sessions: mcp.sessionCount });
});
app.post("/api/echo", express.json(), (req, res) => {
  res.json(req.body);
});

const listener = app.listen(port, "127.0.0.1", () => {
  const { port: bound } = listener.address() as AddressInfo;
  console.error(`Express app with MCP at http://127.0.0.1:${bound}/mcp`);
});
process.once("SIGTERM", () => {
  mcp.close();
  listener.close();
});
