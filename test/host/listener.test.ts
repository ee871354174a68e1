import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { type RunningHost, startHost } from "berth";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { json, modernMeta } from "../support/http.js";
import { callTool, echoServer, resultText, seededStore, tempDir } from "./support.js";

const APP = "https://app.example";

describe("the host's listener", () => {
  const dir = tempDir();
  let host: RunningHost | undefined;
  afterEach(async () => {
    await host?.close();
    host = undefined;
  });
  afterAll(() => dir.remove());

  it("lets browser pages on the configured origins call, with the MCP headers readable", async () => {
    host = await startHost({
      listen: { port: 0, cors: { origins: [APP] } },
      servers: { a: { server: echoServer("a") } },
      logging: { level: "silent" },
    });
    const url = new URL("/a/mcp", host.url);
    const preflight = await fetch(url, {
      method: "OPTIONS",
      headers: {
        origin: APP,
        "access-control-request-method": "POST",
        "access-control-request-headers": "mcp-protocol-version, mcp-method, authorization",
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe(APP);
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/MCP-Protocol-Version/);
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/Mcp-Method/);
    const call = await callTool(url, "echo", { text: "hi" }, { origin: APP });
    expect(resultText(call.body)).toBe("a: hi");
    expect(call.headers.get("access-control-allow-origin")).toBe(APP);
    expect(call.headers.get("access-control-expose-headers")).toBe(
      "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate, Retry-After",
    );
    const foreign = await fetch(url, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(foreign.status).toBe(403);
    const refused = await callTool(url, "echo", { text: "hi" }, { origin: "https://evil.example" });
    expect(refused.status).toBe(403);
  });

  it("serves HTTPS with the configured certificate, and names https resources", async () => {
    const cert = join(dir.path, "cert.pem");
    const key = join(dir.path, "key.pem");
    execFileSync(
      "openssl",
      [
        ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"],
        ...["-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"],
        ...["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", cert],
      ],
      { stdio: "ignore" },
    );
    const { store, keys } = await seededStore({ reader: [] });
    host = await startHost(
      {
        listen: { port: 0, tls: { cert: "cert.pem", key: "key.pem" } },
        servers: { a: { server: echoServer("a"), auth: { apiKeys: true } } },
        logging: { level: "silent" },
      },
      { baseDir: dir.path, store },
    );
    expect(host.url.protocol).toBe("https:");
    const post = (headers: Record<string, string>) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
        (resolve, reject) => {
          const req = httpsRequest(
            new URL("/a/mcp", host!.url),
            {
              method: "POST",
              ca: readFileSync(cert),
              headers: {
                "content-type": "application/json",
                accept: "application/json",
                "mcp-protocol-version": "2026-07-28",
                "mcp-method": "tools/call",
                "mcp-name": "echo",
                ...headers,
              },
            },
            (res) => {
              let body = "";
              res.on("data", (chunk) => (body += chunk));
              res.on("end", () =>
                resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
              );
            },
          );
          req.on("error", reject);
          req.end(
            JSON.stringify({
              jsonrpc: "2.0",
              id: 1,
              method: "tools/call",
              params: { name: "echo", arguments: { text: "tls" }, _meta: modernMeta() },
            }),
          );
        },
      );
    const anonymous = await post({});
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toContain(
      `resource_metadata="${host.url.origin}/.well-known/oauth-protected-resource/a/mcp"`,
    );
    const keyed = await post({ authorization: `Key ${keys.reader}` });
    expect(JSON.parse(keyed.body).result.content[0].text).toBe("a: tls");
  });

  it("offers the 2024 HTTP+SSE transport and WebSocket on a mount that asks for them", async () => {
    host = await startHost({
      listen: { port: 0 },
      servers: { a: { server: echoServer("a"), transports: { sse2024: true, websocket: true } } },
      logging: { level: "silent" },
    });
    const listing = await json(await fetch(host.url));
    expect(listing.servers[0].transports).toEqual(["streamable-http", "sse-2024", "websocket"]);

    const controller = new AbortController();
    const sse = await fetch(new URL("/a/sse", host.url), {
      headers: { accept: "text/event-stream" },
      signal: controller.signal,
    });
    const reader = sse.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/event: endpoint\ndata: \/a\/messages\?sessionId=/);
    controller.abort();

    const socket = new WebSocket(new URL("/a/mcp", host.url).href.replace("http", "ws"), "mcp");
    const answer = await new Promise<any>((resolve, reject) => {
      socket.once("error", reject);
      socket.once("message", (data) => resolve(JSON.parse(String(data))));
      socket.once("open", () =>
        socket.send(
          JSON.stringify({
            jsonrpc: "2.0",
            id: 1,
            method: "tools/call",
            params: { name: "echo", arguments: { text: "ws" }, _meta: modernMeta() },
          }),
        ),
      );
    });
    socket.close();
    expect(answer.result.content[0].text).toBe("a: ws");
  });

  it("serves a request that asks to upgrade to something else when no mount offers WebSocket", async () => {
    host = await startHost({
      listen: { port: 0 },
      servers: { a: { server: echoServer("a") } },
      logging: { level: "silent" },
    });
    // fetch will not send Upgrade headers; node:http will.
    const body = JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "echo", arguments: { text: "h2c" }, _meta: modernMeta() },
    });
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = httpRequest(
        new URL("/a/mcp", host?.url),
        {
          method: "POST",
          headers: {
            connection: "Upgrade, HTTP2-Settings",
            upgrade: "h2c",
            "http2-settings": "AAMAAABkAARAAAAAAAIAAAAA",
            "content-type": "application/json",
            accept: "application/json",
            "mcp-protocol-version": "2026-07-28",
            "mcp-method": "tools/call",
            "mcp-name": "echo",
          },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => {
            text += chunk;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    expect([answer.status, resultText(JSON.parse(answer.text))]).toEqual([200, "a: h2c"]);
  });

  it("challenges a key without the mount's scope on HTTP+SSE and WebSocket too", async () => {
    const seeded = await seededStore({ reader: ["read"] });
    host = await startHost(
      {
        listen: { port: 0 },
        servers: {
          admin: {
            server: echoServer("admin"),
            auth: { apiKeys: true, scopes: ["admin"] },
            transports: { sse2024: true, websocket: true },
          },
        },
        logging: { level: "silent" },
      },
      { store: seeded.store },
    );
    const authorization = `Key ${seeded.keys.reader}`;
    const sse = await fetch(new URL("/admin/sse", host.url), {
      headers: { accept: "text/event-stream", authorization },
    });
    await sse.body?.cancel();
    expect(sse.status).toBe(403);
    expect(sse.headers.get("www-authenticate")).toMatch(
      /^Bearer .*error="insufficient_scope".*scope="admin"/,
    );

    const refused = await new Promise<{ status: number; challenge: string | undefined }>(
      (resolve, reject) => {
        const socket = new WebSocket(
          new URL("/admin/mcp", host!.url).href.replace("http", "ws"),
          "mcp",
          { headers: { authorization } },
        );
        socket.once("open", () => reject(new Error("the handshake was accepted")));
        socket.once("unexpected-response", (_req, res) => {
          resolve({ status: res.statusCode ?? 0, challenge: res.headers["www-authenticate"] });
          res.resume();
          socket.terminate();
        });
        socket.once("error", () => {});
      },
    );
    expect(refused.status).toBe(403);
    expect(refused.challenge).toMatch(/^Bearer .*error="insufficient_scope".*scope="admin"/);
  });
});
