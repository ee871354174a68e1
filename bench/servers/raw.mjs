/**
 * The ceiling: plain `node:http` that reads the body, parses the JSON-RPC request, and
 * answers a 2026-07-28 tools/call result (the same bytes an MCP server sends: `resultType`
 * and `serverInfo` included). No routing, no header or schema checks; an MCP server on the
 * same machine cannot be faster than this.
 */
import { createServer } from "node:http";
import { ready } from "./child.mjs";
import { add } from "./tool.mjs";

const SERVER_INFO = {
  "io.modelcontextprotocol/serverInfo": { name: "bench-raw", version: "1.0.0" },
};

const http = createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", () => {
    let body;
    try {
      const request = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      body = JSON.stringify({
        jsonrpc: "2.0",
        id: request.id,
        result: {
          content: [{ type: "text", text: add(request.params.arguments) }],
          resultType: "complete",
          _meta: SERVER_INFO,
        },
      });
    } catch {
      res.writeHead(400).end();
      return;
    }
    res.writeHead(200, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  });
});
http.listen(0, "127.0.0.1", () => {
  ready({ url: `http://127.0.0.1:${http.address().port}/mcp` });
});
