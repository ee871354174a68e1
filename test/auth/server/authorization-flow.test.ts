import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorizeInBrowser, FormBrowser, hiddenField, pkce } from "../../support/oauth.js";
import { changedKeys } from "../../support/store-spy.js";
import {
  authorizeUrl,
  callTool,
  PASSWORD,
  REDIRECT,
  signInAndExchange,
  startAuthorizationServer,
  tokenRequest,
} from "./setup.js";

async function getJson(url: string): Promise<any> {
  return (await fetch(url)).json();
}

let setup: Awaited<ReturnType<typeof startAuthorizationServer>>;
let origin: string;

beforeAll(async () => {
  setup = await startAuthorizationServer();
  origin = setup.origin;
});
afterAll(() => setup.http.close());

describe("metadata", () => {
  it("publishes RFC 8414 metadata and the same document for OpenID discovery", async () => {
    const response = await fetch(`${origin}/.well-known/oauth-authorization-server`);
    expect(response.status).toBe(200);
    const metadata: any = await response.json();
    expect(metadata).toMatchObject({
      issuer: origin,
      authorization_endpoint: `${origin}/oauth/authorize`,
      token_endpoint: `${origin}/oauth/token`,
      registration_endpoint: `${origin}/oauth/register`,
      revocation_endpoint: `${origin}/oauth/revoke`,
      jwks_uri: `${origin}/oauth/jwks.json`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      authorization_response_iss_parameter_supported: true,
      client_id_metadata_document_supported: true,
      scopes_supported: ["profile", "files"],
    });
    const oidc = await getJson(`${origin}/.well-known/openid-configuration`);
    expect(oidc).toEqual(metadata);
  });

  it("points the protected-resource metadata at itself", async () => {
    const prm = await getJson(`${origin}/.well-known/oauth-protected-resource/mcp`);
    expect(prm).toMatchObject({ resource: setup.http.url, authorization_servers: [origin] });
  });

  it("publishes an ES256 signing key in its JWKS, and keeps the old key after rotation", async () => {
    const before = await getJson(`${origin}/oauth/jwks.json`);
    expect(before.keys).toHaveLength(1);
    expect(before.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(before.keys[0].d).toBeUndefined();
    const tokens = await signInAndExchange(origin);
    const kid = await setup.oauth.signingKeys.rotate();
    const after = await getJson(`${origin}/oauth/jwks.json`);
    expect(after.keys.map((key: any) => key.kid).sort()).toEqual([before.keys[0].kid, kid].sort());
    // A token signed before the rotation still works; new tokens use the new key.
    expect(
      (await callTool(setup.http, tokens.access_token, "whoami")).body.result.isError,
    ).toBeFalsy();
    const fresh = await signInAndExchange(origin);
    expect(decodeProtectedHeader(fresh.access_token).kid).toBe(kid);
  });
});

describe("dynamic client registration", () => {
  async function register(body: unknown, contentType = "application/json") {
    const response = await fetch(`${origin}/oauth/register`, {
      method: "POST",
      headers: { "content-type": contentType },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  }

  it("registers a public client and answers with its metadata", async () => {
    const { status, body } = await register({
      client_name: "Editor",
      redirect_uris: ["http://127.0.0.1:7777/cb"],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
    });
    expect(status).toBe(201);
    expect(body).toMatchObject({
      client_name: "Editor",
      redirect_uris: ["http://127.0.0.1:7777/cb"],
      token_endpoint_auth_method: "none",
    });
    expect(body.client_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.client_secret).toBeUndefined();
  });

  it("gives a confidential client a secret, stored only as a hash", async () => {
    const { status, body } = await register({ redirect_uris: ["https://app.example/cb"] });
    expect(status).toBe(201);
    expect(body.token_endpoint_auth_method).toBe("client_secret_basic");
    expect(body.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await setup.store.getClient(body.client_id);
    expect(JSON.stringify(stored)).not.toContain(body.client_secret);
  });

  it.each([
    ["no redirect URIs", {}, "invalid_redirect_uri"],
    ["a javascript: URI", { redirect_uris: ["javascript:alert(1)"] }, "invalid_redirect_uri"],
    [
      "http to a remote host",
      { redirect_uris: ["http://evil.example/cb"] },
      "invalid_redirect_uri",
    ],
    ["a fragment", { redirect_uris: ["https://app.example/cb#x"] }, "invalid_redirect_uri"],
    [
      "an unknown auth method",
      { redirect_uris: ["https://app.example/cb"], token_endpoint_auth_method: "magic" },
      "invalid_client_metadata",
    ],
    [
      "the implicit grant",
      { redirect_uris: ["https://app.example/cb"], grant_types: ["implicit"] },
      "invalid_client_metadata",
    ],
  ])("refuses %s and stores nothing", async (_name, body, error) => {
    const before = await setup.store.snapshot();
    const answer = await register(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe(error);
    expect(changedKeys(before, await setup.store.snapshot())).toEqual([]);
  });

  it("refuses a body that is not JSON", async () => {
    expect((await register("{not json")).body.error).toBe("invalid_client_metadata");
    expect((await register("a=b", "application/x-www-form-urlencoded")).status).toBe(400);
  });

  it("lets a registered client sign a user in and get tokens", async () => {
    const { body: client } = await register({
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: "none",
    });
    const tokens = await signInAndExchange(origin, { clientId: client.client_id });
    expect(decodeJwt(tokens.access_token).client_id).toBe(client.client_id);
  });
});

describe("authorization code flow", () => {
  it("signs in, asks consent, redirects with code, state and iss, and issues JWT tokens", async () => {
    const { verifier, challenge } = pkce();
    const browser = new FormBrowser();
    const first = await browser.get(authorizeUrl(origin, challenge));
    expect(first.status).toBe(200);
    const page = await first.text();
    expect(page).toContain("Native App");
    expect(first.headers.get("content-security-policy")).toContain("default-src 'none'");
    const signedIn = await browser.post(`${origin}/oauth/sign-in`, {
      request: hiddenField(page, "request")!,
      csrf: hiddenField(page, "csrf")!,
      username: "bob",
      password: PASSWORD,
    });
    const consent = await signedIn.text();
    expect(signedIn.status).toBe(200);
    expect(consent).toContain("Allow Native App?");
    expect(consent).toContain("127.0.0.1:9");
    expect(consent).toContain("profile");
    const allowed = await browser.post(`${origin}/oauth/consent`, {
      request: hiddenField(consent, "request")!,
      csrf: hiddenField(consent, "csrf")!,
      decision: "allow",
    });
    expect(allowed.status).toBe(303);
    const callback = new URL(allowed.headers.get("location")!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(callback.searchParams.get("state")).toBe("state-123");
    expect(callback.searchParams.get("iss")).toBe(origin);

    const token = await tokenRequest(origin, {
      grant_type: "authorization_code",
      code: callback.searchParams.get("code")!,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: "native-app",
    });
    expect(token.status).toBe(200);
    expect(token.headers.get("cache-control")).toBe("no-store");
    expect(token.body).toMatchObject({ token_type: "Bearer", expires_in: 3600, scope: "profile" });
    expect(decodeProtectedHeader(token.body.access_token)).toMatchObject({
      alg: "ES256",
      typ: "at+jwt",
    });
    expect(decodeJwt(token.body.access_token)).toMatchObject({
      iss: origin,
      sub: "u-bob",
      aud: setup.http.url,
      client_id: "native-app",
      scope: "profile",
    });
    const call = await callTool(setup.http, token.body.access_token, "whoami");
    expect(JSON.parse(call.body.result.content[0].text)).toEqual({
      subject: "u-bob",
      name: "BOB",
      via: "bearer",
    });

    // Signed in still, but a loopback redirect asks consent every time: any local program
    // could be listening there.
    const again = await browser.get(authorizeUrl(origin, pkce().challenge));
    expect(again.status).toBe(200);
    const page2 = await again.text();
    expect(page2).toContain('action="/oauth/consent"');
    expect(page2).toContain("a program on this computer");
  });

  it("remembers consent per user and client for a web redirect, skipping both pages", async () => {
    const browser = new FormBrowser();
    const web = { client_id: "web-app", redirect_uri: "https://app.example/callback" };
    const first = await authorizeInBrowser(browser, authorizeUrl(origin, pkce().challenge, web), {
      username: "alice",
      password: PASSWORD,
    });
    expect(first.searchParams.get("code")).toBeTruthy();
    const again = await browser.get(authorizeUrl(origin, pkce().challenge, web));
    expect(again.status).toBe(302);
    expect(new URL(again.headers.get("location")!).searchParams.get("code")).toBeTruthy();
    // Asking for more than was allowed asks again.
    const more = await browser.get(
      authorizeUrl(origin, pkce().challenge, { ...web, scope: "profile files" }),
    );
    expect(more.status).toBe(200);
  });

  it("asks again for another server on the same host: consent is per resource", async () => {
    const two = await startAuthorizationServer();
    try {
      const here = two.http.url;
      const files = `${two.origin}/files/mcp`;
      two.oauth.addResource(files);
      const browser = new FormBrowser();
      const web = { client_id: "web-app", redirect_uri: "https://app.example/callback" };
      await authorizeInBrowser(
        browser,
        authorizeUrl(two.origin, pkce().challenge, { ...web, resource: here }),
        { username: "alice", password: PASSWORD },
      );
      const again = await browser.get(
        authorizeUrl(two.origin, pkce().challenge, { ...web, resource: here }),
      );
      expect(again.status).toBe(302);
      const elsewhere = await browser.get(
        authorizeUrl(two.origin, pkce().challenge, { ...web, resource: files }),
      );
      expect(elsewhere.status).toBe(200);
      const page = await elsewhere.text();
      expect(page).toContain('action="/oauth/consent"');
      expect(page).toContain(files);
    } finally {
      await two.http.close();
    }
  });

  it("sends the user's refusal back as access_denied", async () => {
    const callback = await authorizeInBrowser(
      new FormBrowser(),
      authorizeUrl(origin, pkce().challenge, { scope: "files" }),
      { username: "alice", password: PASSWORD, decision: "deny" },
    );
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe("state-123");
  });

  it("grants the supported scopes when the client asks for none", async () => {
    const tokens = await signInAndExchange(origin, { username: "bob", scope: "" });
    expect(tokens.scope).toBe("profile files");
  });

  it("answers prompt=none with login_required when nobody is signed in", async () => {
    const response = await fetch(authorizeUrl(origin, pkce().challenge, { prompt: "none" }), {
      redirect: "manual",
    });
    expect(new URL(response.headers.get("location")!).searchParams.get("error")).toBe(
      "login_required",
    );
  });

  it("refuses a token request from an unknown client with 401 invalid_client", async () => {
    const answer = await tokenRequest(origin, {
      grant_type: "authorization_code",
      code: "x",
      code_verifier: pkce().verifier,
      client_id: "no-such-client",
    });
    expect(answer.status).toBe(401);
    expect(answer.body.error).toBe("invalid_client");
  });

  it("requires a confidential client's secret, by Basic or in the form", async () => {
    const form = { grant_type: "refresh_token", refresh_token: "unknown" };
    const none = await tokenRequest(origin, { ...form, client_id: "web-app" });
    expect(none.status).toBe(401);
    const wrong = await tokenRequest(origin, form, {
      authorization: `Basic ${Buffer.from("web-app:nope").toString("base64")}`,
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("www-authenticate")).toContain("Basic");
    const right = await tokenRequest(origin, form, {
      authorization: `Basic ${Buffer.from("web-app:web-app-secret-0123456789").toString("base64")}`,
    });
    // Authenticated; the refresh token itself is what is wrong.
    expect(right.body.error).toBe("invalid_grant");
    const post = await tokenRequest(origin, {
      ...form,
      client_id: "web-app",
      client_secret: "web-app-secret-0123456789",
    });
    expect(post.body.error).toBe("invalid_grant");
  });

  it("refuses grant types it does not support", async () => {
    const answer = await tokenRequest(origin, { grant_type: "password", client_id: "native-app" });
    expect(answer.body.error).toBe("unsupported_grant_type");
  });
});

describe("refresh and revocation", () => {
  it("rotates refresh tokens; two refreshes at once both succeed", async () => {
    const tokens = await signInAndExchange(origin);
    const refresh = () =>
      tokenRequest(origin, {
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token,
        client_id: "native-app",
      });
    const [a, b] = await Promise.all([refresh(), refresh()]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.refresh_token).not.toBe(tokens.refresh_token);
    expect(a.body.refresh_token).not.toBe(b.body.refresh_token);
    for (const answer of [a, b])
      expect((await callTool(setup.http, answer.body.access_token, "whoami")).status).toBe(200);
  });

  it("narrows scopes on refresh but never widens them", async () => {
    const tokens = await signInAndExchange(origin, { scope: "profile" });
    const wider = await tokenRequest(origin, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: "native-app",
      scope: "profile files",
    });
    expect(wider.body.error).toBe("invalid_scope");
  });

  it("revokes a refresh token and every token of its grant (RFC 7009)", async () => {
    const tokens = await signInAndExchange(origin);
    const revoke = await fetch(`${origin}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.refresh_token, client_id: "native-app" }),
    });
    expect(revoke.status).toBe(200);
    const call = await callTool(setup.http, tokens.access_token, "whoami");
    expect(call.status).toBe(401);
    const refreshed = await tokenRequest(origin, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: "native-app",
    });
    expect(refreshed.body.error).toBe("invalid_grant");
  });

  it("revokes by access token too; another client's revocation changes nothing", async () => {
    const tokens = await signInAndExchange(origin);
    const before = await setup.store.snapshot();
    const foreign = await fetch(`${origin}/oauth/revoke`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from("web-app:web-app-secret-0123456789").toString("base64")}`,
      },
      body: new URLSearchParams({ token: tokens.access_token }),
    });
    expect(foreign.status).toBe(200);
    expect(changedKeys(before, await setup.store.snapshot())).toEqual([]);
    expect((await callTool(setup.http, tokens.access_token, "whoami")).status).toBe(200);
    await fetch(`${origin}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: tokens.access_token, client_id: "native-app" }),
    });
    expect((await callTool(setup.http, tokens.access_token, "whoami")).status).toBe(401);
  });

  it("refuses tokens of a user disabled after sign-in", async () => {
    const tokens = await signInAndExchange(origin, { username: "bob" });
    await setup.store.updateUser("u-bob", { disabled: true }, Date.now());
    try {
      expect((await callTool(setup.http, tokens.access_token, "echo", { text: "x" })).status).toBe(
        401,
      );
    } finally {
      await setup.store.updateUser("u-bob", { disabled: false }, Date.now());
    }
  });
});
