import {
  AuthorizationServer,
  type AuthorizationServerOptions,
  createServer,
  hashPassword,
} from "berth";
import { MemoryAuthStore } from "berth/store";
import { z } from "zod";
import { startHttp, type TestHttp } from "../../support/http.js";
import { authorizeInBrowser, FormBrowser, pkce } from "../../support/oauth.js";
import { spyStore } from "../../support/store-spy.js";

/** Where the test clients say they receive codes; nothing listens there. */
export const REDIRECT = "http://127.0.0.1:9/callback";
export const PASSWORD = "correct horse battery";

/** A server with one open tool and one needing `profile`, behind the authorization server. */
export async function startAuthorizationServer(
  options: Partial<AuthorizationServerOptions> = {},
): Promise<{
  http: TestHttp;
  oauth: AuthorizationServer;
  store: ReturnType<typeof spyStore>;
  origin: string;
}> {
  const store = spyStore(new MemoryAuthStore());
  const now = Date.now();
  for (const [id, username, disabled] of [
    ["u-alice", "alice", false],
    ["u-bob", "bob", false],
    ["u-carol", "carol", true],
  ] as const) {
    await store.createUser({
      id,
      username,
      displayName: username.toUpperCase(),
      passwordHash: await hashPassword(PASSWORD),
      disabled,
      createdAt: now,
      updatedAt: now,
    });
  }
  const server = createServer({ name: "oauth-test", version: "1.0.0" });
  server.tool("echo", { input: z.object({ text: z.string() }) }, ({ text }) => text);
  server.tool("whoami", { scopes: ["profile"] }, (_args, ctx) =>
    JSON.stringify({
      subject: ctx.principal.subject,
      name: ctx.principal.name,
      via: ctx.principal.via,
    }),
  );
  const oauth = new AuthorizationServer({
    store,
    scopesSupported: ["profile", "files"],
    clients: [
      { clientId: "native-app", name: "Native App", redirectUris: [REDIRECT] },
      {
        clientId: "web-app",
        name: "Web App",
        clientSecret: "web-app-secret-0123456789",
        redirectUris: ["https://app.example/callback"],
      },
    ],
    ...options,
  });
  const http = await startHttp(server, { authorizationServer: oauth });
  return { http, oauth, store, origin: new URL(http.url).origin };
}

/** A 2026-07-28 tools/call with a bearer token. */
export function callTool(
  http: TestHttp,
  token: string,
  name: string,
  args: Record<string, unknown> = {},
) {
  return http.modern(
    "tools/call",
    { name, arguments: args },
    { headers: { authorization: `Bearer ${token}` } },
  );
}

/** An authorization URL for a client, with PKCE S256 unless `extra` overrides it. */
export function authorizeUrl(
  origin: string,
  challenge: string,
  extra: Record<string, string | undefined> = {},
): string {
  const url = new URL(`${origin}/oauth/authorize`);
  const params: Record<string, string | undefined> = {
    response_type: "code",
    client_id: "native-app",
    redirect_uri: REDIRECT,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "state-123",
    scope: "profile",
    ...extra,
  };
  for (const [name, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(name, value);
  return url.href;
}

/** POST a form to the token endpoint. */
export async function tokenRequest(
  origin: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${origin}/oauth/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

/** Sign `username` in through the pages and exchange the code: the token response. */
export async function signInAndExchange(
  origin: string,
  options: { username?: string; scope?: string; resource?: string; clientId?: string } = {},
): Promise<{ access_token: string; refresh_token: string; scope: string; expires_in: number }> {
  const { verifier, challenge } = pkce();
  const callback = await authorizeInBrowser(
    new FormBrowser(),
    authorizeUrl(origin, challenge, {
      scope: options.scope ?? "profile",
      resource: options.resource,
      client_id: options.clientId ?? "native-app",
    }),
    { username: options.username ?? "alice", password: PASSWORD },
  );
  const code = callback.searchParams.get("code");
  if (!code) throw new Error(`no code: ${callback}`);
  const token = await tokenRequest(origin, {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    client_id: options.clientId ?? "native-app",
  });
  if (token.status !== 200) throw new Error(`token: ${JSON.stringify(token.body)}`);
  return token.body;
}
