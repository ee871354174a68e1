/**
 * tmcp with `@tmcp/transport-http` and `@tmcp/adapter-zod`. The transport speaks web
 * `Request`/`Response`; a minimal `node:http` bridge (as the research scripts use) feeds it.
 */
import { createServer } from "node:http";
import { Readable } from "node:stream";
import { ZodJsonSchemaAdapter } from "@tmcp/adapter-zod";
import { HttpTransport } from "@tmcp/transport-http";
import { McpServer } from "tmcp";
import { ready } from "./child.mjs";
import { ADD_INPUT, add, TOOL_NAME } from "./tool.mjs";

const server = new McpServer(
  { name: "bench-tmcp", version: "1.0.0", description: "tmcp bench server" },
  { adapter: new ZodJsonSchemaAdapter(), capabilities: { tools: { listChanged: true } } },
);
server.tool(
  { name: TOOL_NAME, description: "Add two numbers", schema: ADD_INPUT },
  async (args) => ({ content: [{ type: "text", text: add(args) }] }),
);
const transport = new HttpTransport(server, { path: "/mcp" });

/** node:http request -> web Request. */
async function toRequest(req) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  let body;
  if (req.method !== "GET" && req.method !== "HEAD") {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    body = Buffer.concat(chunks);
  }
  return new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url}`, {
    method: req.method,
    headers,
    body,
  });
}

/** web Response -> node:http response. */
function writeResponse(res, response) {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (!response.body) {
    res.end();
    return;
  }
  Readable.fromWeb(response.body).pipe(res);
}

const http = createServer(async (req, res) => {
  const response = await transport.respond(await toRequest(req));
  writeResponse(res, response ?? new Response(null, { status: 404 }));
});
http.listen(0, "127.0.0.1", () => {
  ready({ url: `http://127.0.0.1:${http.address().port}/mcp` });
});
