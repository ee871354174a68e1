/**
 * Berth as a web-standard fetch handler, the module shape Bun, Deno and Cloudflare Workers
 * serve: `bun run examples/embedding/fetch.ts` or `deno serve examples/embedding/fetch.ts`
 * (port 3000 for Bun, 8000 for Deno), then point a client at /mcp. Stateless 2026-07-28.
 */
import { createFetchHandler } from "berth/fetch";
import { server } from "./server.js";

const mcp = createFetchHandler(server);

export default {
  fetch(request: Request): Promise<Response> | Response {
    const { pathname } = new URL(request.url);
    if (pathname === "/mcp") return mcp(request);
    return new Response("Not found: the MCP endpoint is /mcp", { status: 404 });
  },
};
