import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer, externalIssuer, ResourceServer } from "berth";
import { MemoryAuthStore } from "berth/store";
import { exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHttp, type TestHttp } from "../support/http.js";

/**
 * Tokens from an organisation's identity provider: a local issuer publishes its metadata and
 * JWKS; Berth serves only the protected-resource metadata pointing at it.
 */

type Key = Awaited<ReturnType<typeof generateKeyPair>>["privateKey"];

let idp: HttpServer;
let issuer: string;
let published: JWK[] = [];
let jwksFetches = 0;
let http: TestHttp;
let signing: { kid: string; key: Key };

async function newKey(kid: string): Promise<{ kid: string; key: Key; jwk: JWK }> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  return {
    kid,
    key: privateKey,
    jwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" },
  };
}

function token(claims: Record<string, unknown>, key = signing) {
  const now = Math.floor(Date.now() / 1000);
  const payload = {
    iss: issuer,
    sub: "idp-user-7",
    aud: http.url,
    iat: now,
    exp: now + 300,
    scope: "profile",
    ...claims,
  };
  return new SignJWT(payload).setProtectedHeader({ alg: "RS256", kid: key.kid }).sign(key.key);
}

beforeAll(async () => {
  idp = createHttpServer((req, res) => {
    res.setHeader("content-type", "application/json");
    if (req.url === "/.well-known/oauth-authorization-server") {
      res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
    } else if (req.url === "/keys") {
      jwksFetches++;
      res.end(JSON.stringify({ keys: published }));
    } else {
      res.writeHead(404).end("{}");
    }
  });
  await new Promise<void>((resolve) => idp.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  const first = await newKey("k1");
  published = [first.jwk];
  signing = first;
  const verifier = externalIssuer({ issuer, refetchCooldownSeconds: 0 });
  const server = createServer({ name: "idp-test", version: "1.0.0" });
  server.tool("whoami", { scopes: ["profile"] }, (_args, ctx) =>
    JSON.stringify({
      subject: ctx.principal.subject,
      name: ctx.principal.name,
      scopes: ctx.principal.scopes,
    }),
  );
  server.tool("admin", { scopes: ["admin"] }, () => "ok");
  http = await startHttp(server, {
    auth: new ResourceServer({
      store: new MemoryAuthStore(),
      authorizationServers: [verifier.issuer],
      scopesSupported: ["profile", "admin"],
      verifyToken: verifier.verify,
    }),
  });
});

afterAll(async () => {
  await http.close();
  idp.close();
});

const call = (name: string, bearer: string) =>
  http.modern(
    "tools/call",
    { name, arguments: {} },
    { headers: { authorization: `Bearer ${bearer}` } },
  );

describe("external identity provider", () => {
  it("serves protected-resource metadata that points at the provider, and no authorization server", async () => {
    const origin = new URL(http.url).origin;
    const prm: any = await (
      await fetch(`${origin}/.well-known/oauth-protected-resource/mcp`)
    ).json();
    expect(prm.authorization_servers).toEqual([issuer]);
    expect((await fetch(`${origin}/.well-known/oauth-authorization-server`)).status).toBe(404);
  });

  it("accepts the provider's token, with its subject, name and scopes", async () => {
    const answer = await call("whoami", await token({ name: "Ines" }));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body.result.content[0].text)).toEqual({
      subject: "idp-user-7",
      name: "Ines",
      scopes: ["profile"],
    });
  });

  it("reads scopes from an scp array too, and enforces them", async () => {
    expect((await call("admin", await token({ scope: undefined, scp: ["admin"] }))).status).toBe(
      200,
    );
    expect((await call("admin", await token({}))).status).toBe(403);
  });

  it.each([
    ["another issuer", { iss: "https://elsewhere.example" }],
    ["another audience", { aud: "https://other.example/mcp" }],
    ["an expired token", { exp: Math.floor(Date.now() / 1000) - 60 }],
  ])("refuses %s with 401 invalid_token", async (_name, claims) => {
    const answer = await call("whoami", await token(claims));
    expect(answer.status).toBe(401);
  });

  it("refuses a token signed by a key the provider does not publish", async () => {
    const rogue = await newKey("k1");
    expect((await call("whoami", await token({}, rogue))).status).toBe(401);
  });

  it("fetches the keys again when the provider rotates to a new kid", async () => {
    const rotated = await newKey("k2");
    published = [...published, rotated.jwk];
    const before = jwksFetches;
    const answer = await call("whoami", await token({}, rotated));
    expect(answer.status).toBe(200);
    expect(jwksFetches).toBeGreaterThan(before);
  });
});
