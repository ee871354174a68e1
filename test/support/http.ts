import { request as httpRequest } from "node:http";
import { type RunningHttpServer, type ServeHttpOptions, type Server, serveHttp } from "berth";

/** The `_meta` every 2026-07-28 request carries. */
export function modernMeta(
  capabilities: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  return {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": capabilities,
    "io.modelcontextprotocol/clientInfo": { name: "berth-tests", version: "1.0.0" },
    ...extra,
  };
}

/** A running server on a free loopback port, and helpers to talk to it. */
export interface TestHttp {
  running: RunningHttpServer;
  url: string;
  /** POST a raw body. */
  raw(body: string | Buffer, headers?: Record<string, string>, method?: string): Promise<Response>;
  /** POST a 2026-07-28 request with correct headers; returns the parsed JSON-RPC response. */
  modern(
    method: string,
    params?: Record<string, unknown>,
    options?: { headers?: Record<string, string>; id?: number | string },
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

let nextId = 1;

/** Start `server` over HTTP for a test. */
export async function startHttp(server: Server, options: ServeHttpOptions = {}): Promise<TestHttp> {
  const running = await serveHttp(server, { port: 0, keepAliveMs: 0, ...options });
  const url = running.url.href;
  const raw = (body: string | Buffer, headers: Record<string, string> = {}, method = "POST") =>
    fetch(url, {
      method,
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      ...(method === "GET" || method === "DELETE" ? {} : { body }),
    });
  return {
    running,
    url,
    raw,
    async modern(method, params = {}, opts = {}) {
      const named = method === "resources/read" ? params["uri"] : params["name"];
      const headers: Record<string, string> = {
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": method,
        ...(typeof named === "string" ? { "mcp-name": named } : {}),
        ...opts.headers,
      };
      const id = opts.id ?? nextId++;
      const withMeta = {
        ...params,
        _meta: { ...modernMeta(), ...((params["_meta"] as object) ?? {}) },
      };
      const response = await raw(
        JSON.stringify({ jsonrpc: "2.0", id, method, params: withMeta }),
        headers,
      );
      return { status: response.status, body: await readJsonRpc(response) };
    },
    close: () => running.close(),
  };
}

/** Read a JSON-RPC response from a JSON or SSE reply (the last message of an SSE stream). */
export async function readJsonRpc(response: Response): Promise<any> {
  const text = await response.text();
  if (!(response.headers.get("content-type") ?? "").includes("text/event-stream")) {
    return text ? JSON.parse(text) : undefined;
  }
  const messages = sseMessages(text);
  return messages[messages.length - 1];
}

/** Every JSON message of an SSE body. */
export function sseMessages(text: string): any[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("data: "))
    .map((line) => JSON.parse(line.slice(6)));
}

/** POST with full control of the headers (fetch forbids setting Host). */
export function rawRequest(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: "POST", headers: { "content-type": "application/json", ...headers } },
      (res) => {
        let text = "";
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** The JSON body of a response, loosely typed for assertions. */
export async function json(response: Response): Promise<any> {
  return response.json();
}

/** A 2026-07-28 tools/call to `url`; the status, headers and JSON-RPC answer. */
export async function callTool(
  url: string | URL,
  name: string,
  args: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: any }> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": name,
      ...headers,
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name, arguments: args, _meta: modernMeta() },
    }),
  });
  return { status: response.status, headers: response.headers, body: await readJsonRpc(response) };
}

/** The text of a tools/call result. */
export function resultText(body: any): string | undefined {
  return body?.result?.content?.[0]?.text;
}
