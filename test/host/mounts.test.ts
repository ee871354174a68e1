import { defineConfig, type RunningHost, startHost } from "berth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAndExchange } from "../auth/server/setup.js";
import { json } from "../support/http.js";
import { callTool, echoServer, resultText, seededStore } from "./support.js";

const REDIRECT = "http://127.0.0.1:9/callback";

/**
 * Three servers on one listener, each with its own policy: `/open/mcp` for anyone,
 * `/team/mcp` for the built-in OAuth server's tokens and API keys with scope `team`,
 * `/admin/mcp` for API keys with scope `admin`.
 */
describe("a host with three servers and three authorization policies", () => {
  let host: RunningHost;
  let origin: string;
  let keys: { team: string; admin: string };

  beforeAll(async () => {
    const seeded = await seededStore({ team: ["team"], admin: ["admin", "team"] });
    keys = seeded.keys;
    const config = defineConfig({
      listen: { port: 0 },
      authorization: {
        clients: [{ clientId: "native-app", name: "Native App", redirectUris: [REDIRECT] }],
      },
      servers: {
        open: { server: echoServer("open", "Open tools"), aliases: ["/public/mcp"] },
        team: {
          server: echoServer("team"),
          auth: { apiKeys: true, oauth: true, scopes: ["team"] },
        },
        admin: { server: echoServer("admin"), path: "/admin/mcp", auth: { scopes: ["admin"] } },
      },
      logging: { level: "silent" },
    });
    host = await startHost(config, { store: seeded.store });
    origin = host.url.origin;
  });

  afterAll(() => host?.close());

  it("answers tools/call at each server's own path", async () => {
    const open = await callTool(`${origin}/open/mcp`, "echo", { text: "hi" });
    expect([open.status, resultText(open.body)]).toEqual([200, "open: hi"]);
    const team = await callTool(
      `${origin}/team/mcp`,
      "echo",
      { text: "hi" },
      {
        authorization: `Key ${keys.team}`,
      },
    );
    expect([team.status, resultText(team.body)]).toEqual([200, "team: hi"]);
    const admin = await callTool(
      `${origin}/admin/mcp`,
      "echo",
      { text: "hi" },
      {
        authorization: `Bearer ${keys.admin}`,
      },
    );
    expect([admin.status, resultText(admin.body)]).toEqual([200, "admin: hi"]);
  });

  it("serves a server at its aliases and with a trailing slash", async () => {
    const alias = await callTool(`${origin}/public/mcp`, "echo", { text: "a" });
    expect(resultText(alias.body)).toBe("open: a");
    const slash = await callTool(`${origin}/open/mcp/`, "echo", { text: "b" });
    expect(resultText(slash.body)).toBe("open: b");
  });

  it("refuses anonymous callers with a challenge naming each mount's own metadata", async () => {
    for (const name of ["team", "admin"]) {
      const answer = await callTool(`${origin}/${name}/mcp`, "echo", { text: "x" });
      expect(answer.status).toBe(401);
      expect(answer.headers.get("www-authenticate")).toContain(
        `resource_metadata="${origin}/.well-known/oauth-protected-resource/${name}/mcp"`,
      );
    }
  });

  it("refuses a key without the mount's scope with 403 insufficient_scope", async () => {
    const answer = await callTool(
      `${origin}/admin/mcp`,
      "echo",
      { text: "x" },
      {
        authorization: `Key ${keys.team}`,
      },
    );
    expect(answer.status).toBe(403);
    const challenge = answer.headers.get("www-authenticate") ?? "";
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="admin"');
    expect(challenge).toContain(`${origin}/.well-known/oauth-protected-resource/admin/mcp`);
  });

  it("publishes protected-resource metadata per mount", async () => {
    const team = await json(await fetch(`${origin}/.well-known/oauth-protected-resource/team/mcp`));
    expect(team.resource).toBe(`${origin}/team/mcp`);
    expect(team.authorization_servers).toEqual([origin]);
    expect(team.scopes_supported).toContain("team");
    const admin = await json(
      await fetch(`${origin}/.well-known/oauth-protected-resource/admin/mcp`),
    );
    expect(admin.resource).toBe(`${origin}/admin/mcp`);
    expect(admin.authorization_servers).toEqual([]);
    const open = await fetch(`${origin}/.well-known/oauth-protected-resource/open/mcp`);
    expect(open.status).toBe(404);
  });

  it("accepts the built-in server's tokens only where the policy says so", async () => {
    const token = await signInAndExchange(origin, {
      username: "ann",
      scope: "team",
      resource: `${origin}/team/mcp`,
    });
    const bearer = { authorization: `Bearer ${token.access_token}` };
    const team = await callTool(`${origin}/team/mcp`, "echo", { text: "t" }, bearer);
    expect([team.status, resultText(team.body)]).toEqual([200, "team: t"]);
    const admin = await callTool(`${origin}/admin/mcp`, "echo", { text: "t" }, bearer);
    expect(admin.status).toBe(401);
    expect(admin.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("lists the servers at GET /", async () => {
    const listing = await json(await fetch(`${origin}/`));
    expect(listing.servers).toEqual([
      {
        name: "open",
        title: "Open tools",
        version: "1.2.3",
        path: "/open/mcp",
        url: `${origin}/open/mcp`,
        aliases: ["/public/mcp"],
        auth: "none",
        scopes: [],
        transports: ["streamable-http"],
      },
      {
        name: "team",
        version: "1.2.3",
        path: "/team/mcp",
        url: `${origin}/team/mcp`,
        aliases: [],
        auth: "oauth+api-key",
        scopes: ["team"],
        transports: ["streamable-http"],
      },
      {
        name: "admin",
        version: "1.2.3",
        path: "/admin/mcp",
        url: `${origin}/admin/mcp`,
        aliases: [],
        auth: "api-key",
        scopes: ["admin"],
        transports: ["streamable-http"],
      },
    ]);
  });

  it("answers other paths with 404 JSON", async () => {
    const response = await fetch(`${origin}/nothing/here`);
    expect(response.status).toBe(404);
    expect((await json(response)).error).toBe("not_found");
  });
});
