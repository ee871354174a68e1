/** Berth over stdio: newline-delimited JSON-RPC on stdin/stdout. */
import { createServer, serveStdio } from "../../dist/src/index.js";
import { ready } from "./child.mjs";
import { ADD_INPUT, add, TOOL_NAME } from "./tool.mjs";

const server = createServer({ name: "bench-berth", version: "1.0.0" });
server.tool(TOOL_NAME, { description: "Add two numbers", input: ADD_INPUT }, add);

const connection = serveStdio(server);
ready({ close: () => connection.close() });
