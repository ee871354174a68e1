/**
 * The official TypeScript SDK v2 (`@modelcontextprotocol/server`): `createMcpHandler`, the
 * way its docs serve HTTP, on `node:http` through `@modelcontextprotocol/node`. The SDK's
 * design builds a server per request from the factory; that is part of what is measured.
 */
import { createServer } from "node:http";
import { toNodeHandler } from "@modelcontextprotocol/node";
import { createMcpHandler, McpServer, preloadSchemas } from "@modelcontextprotocol/server";
import { ready } from "./child.mjs";
import { ADD_INPUT, add, TOOL_NAME } from "./tool.mjs";

preloadSchemas();
const handler = createMcpHandler(() => {
  const server = new McpServer({ name: "bench-sdk-v2", version: "1.0.0" });
  server.registerTool(
    TOOL_NAME,
    { description: "Add two numbers", inputSchema: ADD_INPUT },
    async (args) => ({ content: [{ type: "text", text: add(args) }] }),
  );
  return server;
});
const nodeHandler = toNodeHandler(handler);

const http = createServer((req, res) => {
  if (!req.url?.startsWith("/mcp")) {
    res.writeHead(404).end();
    return;
  }
  void nodeHandler(req, res);
});
http.listen(0, "127.0.0.1", () => {
  ready({
    url: `http://127.0.0.1:${http.address().port}/mcp`,
    close: () => handler.close(),
  });
});
