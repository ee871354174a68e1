import { createServer, generateApiKey, ResourceServer } from "berth";
import { MemoryAuthStore } from "berth/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { json, modernMeta, startHttp, type TestHttp } from "../support/http.js";

const store = new MemoryAuthStore();
let http: TestHttp;
const keys: Record<string, string> = {};

async function addKey(
  name: string,
  ownerId: string,
  scopes: string[],
  extra: { expiresAt?: number } = {},
) {
  const { key, hash, prefix } = generateApiKey();
  const id = `key-${name}`;
  await store.createApiKey({
    id,
    name,
    ownerId,
    scopes,
    hash,
    prefix,
    createdAt: Date.now(),
    expiresAt: extra.expiresAt ?? null,
    lastUsedAt: null,
    revokedAt: null,
  });
  keys[name] = key;
  return id;
}

beforeAll(async () => {
  const now = Date.now();
  for (const [id, username, disabled] of [
    ["u1", "alice", false],
    ["u2", "bob", false],
    ["u3", "carol", true],
  ] as const) {
    await store.createUser({
      id,
      username,
      displayName: null,
      passwordHash: null,
      disabled,
      createdAt: now,
      updatedAt: now,
    });
  }
  await addKey("reader", "u1", ["files:read"]);
  await addKey("writer", "u1", ["files:read", "files:write"]);
  await addKey("bob", "u2", ["files:read"]);
  await addKey("expired", "u1", ["files:read"], { expiresAt: now - 1000 });
  await addKey("disabled-owner", "u3", ["files:read"]);
  await addKey("revoked", "u1", ["files:read"]);

  const server = createServer({ name: "files", version: "1" });
  server.tool(
    "whoami",
    { description: "Who is calling" },
    (_a, ctx) => `${ctx.principal.subject} via ${ctx.principal.via}`,
  );
  server.tool("write_file", { description: "Writes", scopes: ["files:write"] }, () => "written");
  server.resource("secret", "file:///secret", { scopes: ["files:admin"] }, () => "s");
  server.resource("open", "file:///open", {}, () => "o");
  server.prompt(
    "draft_reply",
    {
      description: "Drafts a reply to a colleague",
      scopes: ["files:write"],
      arguments: [
        { name: "to", complete: (v) => ["alice@corp", "bob@corp"].filter((t) => t.startsWith(v)) },
      ],
    },
    ({ to }) => `Reply to ${to}`,
  );
  const auth = new ResourceServer({
    store,
    authorizationServers: ["https://login.example.com"],
    scopesSupported: ["files:read", "files:write"],
    resourceName: "Files",
  });
  http = await startHttp(server, { auth });
});
afterAll(() => http.close());

const bearer = (name: string) => ({ authorization: `Bearer ${keys[name]}` });

describe("authentication", () => {
  it("answers a request without credentials with 401 and a challenge naming the metadata", async () => {
    const { status } = await http.modern("tools/list");
    expect(status).toBe(401);
    const response = await http.raw("{}", {});
    const challenge = response.headers.get("www-authenticate")!;
    expect(challenge).toContain(
      `resource_metadata="${new URL(http.url).origin}/.well-known/oauth-protected-resource/mcp"`,
    );
    expect(challenge).toContain('scope="files:read files:write"');
  });

  it("opens no session before authentication succeeds", async () => {
    const response = await http.raw(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {} },
      }),
    );
    expect(response.status).toBe(401);
    expect(response.headers.get("mcp-session-id")).toBeNull();
    expect(http.running.endpoint.sessionCount).toBe(0);
  });

  it("accepts an API key as 'Key <key>' and as 'Bearer <key>', and tells the handler who calls", async () => {
    for (const authorization of [`Key ${keys["reader"]}`, `Bearer ${keys["reader"]}`]) {
      const { status, body } = await http.modern(
        "tools/call",
        { name: "whoami", arguments: {} },
        { headers: { authorization } },
      );
      expect(status).toBe(200);
      expect(body.result.content[0].text).toBe("u1 via api-key");
    }
  });

  it.each([
    ["an unknown key", { authorization: "Bearer berth_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }],
    ["an expired key", () => bearer("expired")],
    ["the key of a disabled user", () => bearer("disabled-owner")],
    ["a malformed header", { authorization: "Basic dXNlcjpwYXNz" }],
    ["a bearer token that is no key", { authorization: "Bearer eyJhbGciOiJub25lIn0.e30." }],
  ])("refuses %s with 401 and invalid_token or invalid_request", async (_what, headers) => {
    const h = typeof headers === "function" ? headers() : headers;
    const response = await http.raw("{}", h);
    expect(response.status).toBe(401);
    expect(response.headers.get("www-authenticate")).toMatch(/error="invalid_(token|request)"/);
  });

  it("refuses a key on the request after it was revoked", async () => {
    expect((await http.modern("tools/list", {}, { headers: bearer("revoked") })).status).toBe(200);
    await store.revokeApiKey("key-revoked", Date.now());
    expect((await http.modern("tools/list", {}, { headers: bearer("revoked") })).status).toBe(401);
  });

  it("serves protected-resource metadata at both well-known paths", async () => {
    const origin = new URL(http.url).origin;
    for (const path of [
      "/.well-known/oauth-protected-resource/mcp",
      "/.well-known/oauth-protected-resource",
    ]) {
      const document = await json(await fetch(`${origin}${path}`));
      expect(document).toEqual({
        resource: http.url,
        authorization_servers: ["https://login.example.com"],
        bearer_methods_supported: ["header"],
        scopes_supported: ["files:read", "files:write"],
        resource_name: "Files",
      });
    }
  });
});

describe("scopes", () => {
  it("hides from lists what the caller may not use, and marks the lists private", async () => {
    const reader = await http.modern("tools/list", {}, { headers: bearer("reader") });
    expect(reader.body.result.tools.map((t: { name: string }) => t.name)).toEqual(["whoami"]);
    expect(reader.body.result.cacheScope).toBe("private");
    const writer = await http.modern("tools/list", {}, { headers: bearer("writer") });
    expect(writer.body.result.tools.map((t: { name: string }) => t.name)).toEqual([
      "whoami",
      "write_file",
    ]);
    const resources = await http.modern("resources/list", {}, { headers: bearer("writer") });
    expect(resources.body.result.resources.map((r: { uri: string }) => r.uri)).toEqual([
      "file:///open",
    ]);
  });

  it("answers a call without the tool's scopes with 403 and a step-up challenge", async () => {
    const response = await http.raw(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 9,
        method: "tools/call",
        params: { name: "write_file", arguments: {}, _meta: modernMeta() },
      }),
      {
        ...bearer("reader"),
        "mcp-protocol-version": "2026-07-28",
        "mcp-method": "tools/call",
        "mcp-name": "write_file",
      },
    );
    expect(response.status).toBe(403);
    const challenge = response.headers.get("www-authenticate")!;
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="files:write"');
    expect(challenge).toContain("resource_metadata=");
    expect((await json(response)).error.data.requiredScopes).toEqual(["files:write"]);
    const allowed = await http.modern(
      "tools/call",
      { name: "write_file", arguments: {} },
      { headers: bearer("writer") },
    );
    expect(allowed.body.result.content[0].text).toBe("written");
  });

  it("refuses a resource read without its scopes with 403", async () => {
    const { status } = await http.modern(
      "resources/read",
      { uri: "file:///secret" },
      { headers: bearer("writer") },
    );
    expect(status).toBe(403);
  });

  it("refuses completions of a prompt without the prompt's scopes (regression: completions leaked)", async () => {
    const params = {
      ref: { type: "ref/prompt", name: "draft_reply" },
      argument: { name: "to", value: "" },
    };
    const refused = await http.modern("completion/complete", params, { headers: bearer("reader") });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).not.toContain("alice@corp");
    const allowed = await http.modern("completion/complete", params, { headers: bearer("writer") });
    expect(allowed.body.result.completion.values).toEqual(["alice@corp", "bob@corp"]);
  });
});

describe("2025-era sessions with authentication", () => {
  it("lets only the principal that opened a session use it", async () => {
    const init = await http.raw(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {} },
      }),
      bearer("reader"),
    );
    const session = init.headers.get("mcp-session-id")!;
    const list = JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list" });
    expect((await http.raw(list, { ...bearer("reader"), "mcp-session-id": session })).status).toBe(
      200,
    );
    expect((await http.raw(list, { ...bearer("bob"), "mcp-session-id": session })).status).toBe(
      404,
    );
  });
});
