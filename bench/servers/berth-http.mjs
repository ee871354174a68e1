/** Berth over Streamable HTTP (both eras on one endpoint; the case picks the era per request). */
import { createServer, serveHttp } from "../../dist/src/index.js";
import { ready } from "./child.mjs";
import { ADD_INPUT, add, TOOL_NAME } from "./tool.mjs";

const server = createServer({ name: "bench-berth", version: "1.0.0" });
server.tool(TOOL_NAME, { description: "Add two numbers", input: ADD_INPUT }, add);

const running = await serveHttp(server, { port: 0, host: "127.0.0.1", keepAliveMs: 0 });
ready({ url: running.url.href, close: () => running.close() });
