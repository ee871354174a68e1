/**
 * Berth inside a Fastify app: `node dist/examples/embedding/fastify.js`, then point a
 * client at http://127.0.0.1:3000/mcp. Both protocol eras are served.
 */
import { mcpFastify } from "berth/fastify";
import Fastify from "fastify";
import { server } from "./server.js";

const port = Number(process.env["PORT"] ?? 3000);
const app = Fastify();

app.get("/status", async () => ({ ok: true }));
await app.register(mcpFastify, { server, path: "/mcp" });
const address = await app.listen({ port, host: "127.0.0.1" });
console.error(`Fastify app with MCP at ${address}/mcp`);
process.once("SIGTERM", () => void app.close());
