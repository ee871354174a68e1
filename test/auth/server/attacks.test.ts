import { generateApiKey } from "berth";
import { decodeJwt, decodeProtectedHeader, generateKeyPair, SignJWT } from "jose";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { FormBrowser, hiddenField, pkce } from "../../support/oauth.js";
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

/**
 * Each attack is refused with the error a client or user should see, and leaves every
 * stored record as it was (the store spy reads back everything written before and after).
 */

let setup: Awaited<ReturnType<typeof startAuthorizationServer>>;
let origin: string;

beforeAll(async () => {
  setup = await startAuthorizationServer({ lifetimes: { refreshGrace: 5 } });
  origin = setup.origin;
  setup.oauth.addResource(`${origin}/other/mcp`);
});
afterAll(() => setup.http.close());
afterEach(() => {
  vi.useRealTimers();
});

/** An authorization URL for the test server's endpoint. */
function authorize(challenge: string, extra: Record<string, string | undefined> = {}) {
  return authorizeUrl(origin, challenge, { resource: setup.http.url, ...extra });
}

/** Sign alice in and get tokens for the test server's endpoint unless told otherwise. */
function signIn(options: Parameters<typeof signInAndExchange>[1] = {}) {
  return signInAndExchange(origin, { resource: setup.http.url, ...options });
}

/** Run `attack` and show that nothing in `store` changed. */
async function unchangedIn<T>(
  store: { snapshot(): Promise<Record<string, string>> },
  attack: () => Promise<T>,
): Promise<T> {
  const before = await store.snapshot();
  const result = await attack();
  expect(changedKeys(before, await store.snapshot())).toEqual([]);
  return result;
}

/** Run `attack` and show that nothing stored changed. */
function unchanged<T>(attack: () => Promise<T>): Promise<T> {
  return unchangedIn(setup.store, attack);
}

/** A code for alice, and its verifier. */
async function codeFor(extra: Record<string, string> = {}) {
  const { verifier, challenge } = pkce();
  const browser = new FormBrowser();
  let response = await browser.get(authorize(challenge, extra));
  for (let step = 0; step < 3 && response.status === 200; step++) {
    const html = await response.text();
    const form: Record<string, string> = {
      request: hiddenField(html, "request")!,
      csrf: hiddenField(html, "csrf")!,
    };
    if (html.includes("/oauth/sign-in")) {
      response = await browser.post(`${origin}/oauth/sign-in`, {
        ...form,
        username: "alice",
        password: PASSWORD,
      });
    } else {
      response = await browser.post(`${origin}/oauth/consent`, { ...form, decision: "allow" });
    }
  }
  const code = new URL(response.headers.get("location")!).searchParams.get("code")!;
  return { code, verifier };
}

function exchange(code: string, verifier: string, extra: Record<string, string> = {}) {
  return tokenRequest(origin, {
    grant_type: "authorization_code",
    code,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
    client_id: "native-app",
    ...extra,
  });
}

describe("authorization request attacks", () => {
  it("wrong redirect_uri: an error page, no redirect, nothing stored", async () => {
    const response = await unchanged(() =>
      fetch(authorize(pkce().challenge, { redirect_uri: "http://127.0.0.1:9/elsewhere" }), {
        redirect: "manual",
      }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
    expect(await response.text()).toContain("will not send you there");
  });

  it("open redirect through redirect_uri to another site: refused the same way", async () => {
    for (const target of ["https://evil.example/cb", "javascript:alert(1)", `${REDIRECT}#frag`]) {
      const response = await unchanged(() =>
        fetch(authorize(pkce().challenge, { redirect_uri: target }), {
          redirect: "manual",
        }),
      );
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
    }
  });

  it("missing PKCE: invalid_request sent back, nothing stored", async () => {
    const response = await unchanged(() =>
      fetch(authorize("", { code_challenge: undefined, code_challenge_method: undefined }), {
        redirect: "manual",
      }),
    );
    const location = new URL(response.headers.get("location")!);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("error_description")).toContain("PKCE");
    expect(location.searchParams.get("state")).toBe("state-123");
    expect(location.searchParams.get("iss")).toBe(origin);
  });

  it("plain PKCE: refused", async () => {
    const { verifier } = pkce();
    const response = await unchanged(() =>
      fetch(authorize(verifier, { code_challenge_method: "plain" }), {
        redirect: "manual",
      }),
    );
    const location = new URL(response.headers.get("location")!);
    expect(location.searchParams.get("error")).toBe("invalid_request");
    expect(location.searchParams.get("error_description")).toContain("S256");
  });

  it("CSRF on the sign-in form: 403 and no session, whatever is missing", async () => {
    const browser = new FormBrowser();
    const page = await (await browser.get(authorize(pkce().challenge))).text();
    const form = {
      request: hiddenField(page, "request")!,
      csrf: hiddenField(page, "csrf")!,
      username: "alice",
      password: PASSWORD,
    };
    const attacker = new FormBrowser(); // the victim's browser without the page's cookie
    const attempts = [
      () => attacker.post(`${origin}/oauth/sign-in`, form),
      () => browser.post(`${origin}/oauth/sign-in`, { ...form, csrf: "forged" }),
      () => browser.post(`${origin}/oauth/sign-in`, form, { origin: "https://evil.example" }),
      () => browser.post(`${origin}/oauth/sign-in`, form, { "sec-fetch-site": "cross-site" }),
      () => browser.post(`${origin}/oauth/consent`, { ...form, csrf: "forged", decision: "allow" }),
    ];
    for (const attempt of attempts) {
      const response = await unchanged(attempt);
      expect(response.status).toBe(403);
      expect(
        response.headers.getSetCookie().some((line) => line.startsWith("berth_session=")),
      ).toBe(false);
    }
  });
});

describe("client metadata document attacks", () => {
  it.each([
    "https://127.0.0.1/client.json",
    "https://10.0.0.8/client.json",
    "https://[::1]/client.json",
    "https://169.254.169.254/latest/meta-data",
    "http://client.example/client.json",
    "https://client.example/",
  ])("refuses %s as a client id without redirecting", async (clientId) => {
    const response = await unchanged(() =>
      fetch(authorize(pkce().challenge, { client_id: clientId }), { redirect: "manual" }),
    );
    expect(response.status).toBe(400);
    expect(response.headers.get("location")).toBeNull();
  });

  it("refuses a HEAD on the authorization endpoint: it must not issue a code", async () => {
    const response = await unchanged(() =>
      fetch(authorize(pkce().challenge), { method: "HEAD", redirect: "manual" }),
    );
    expect(response.status).toBe(405);
  });

  it("lets browser clients read token errors (CORS)", async () => {
    const answer = await tokenRequest(
      origin,
      { grant_type: "refresh_token", client_id: "nobody" },
      {
        origin: "https://app.example",
      },
    );
    expect(answer.status).toBe(401);
    expect(answer.headers.get("access-control-allow-origin")).toBe("*");
  });
});

describe("token endpoint attacks", () => {
  it("wrong verifier: invalid_grant, and the code still works for its owner", async () => {
    const { code, verifier } = await codeFor();
    const wrong = await unchanged(() => exchange(code, pkce().verifier));
    expect(wrong.status).toBe(400);
    expect(wrong.body.error).toBe("invalid_grant");
    expect((await exchange(code, verifier)).status).toBe(200);
  });

  it("missing verifier: invalid_request", async () => {
    const { code } = await codeFor();
    const answer = await unchanged(() =>
      tokenRequest(origin, {
        grant_type: "authorization_code",
        code,
        client_id: "native-app",
        redirect_uri: REDIRECT,
      }),
    );
    expect(answer.body.error).toBe("invalid_request");
  });

  it("wrong redirect_uri at the token endpoint: invalid_grant", async () => {
    const { code, verifier } = await codeFor();
    const answer = await unchanged(() =>
      exchange(code, verifier, { redirect_uri: "http://127.0.0.1:9/other" }),
    );
    expect(answer.body.error).toBe("invalid_grant");
  });

  it("a code stolen by another client: invalid_grant", async () => {
    const { code, verifier } = await codeFor();
    const answer = await unchanged(() =>
      tokenRequest(
        origin,
        { grant_type: "authorization_code", code, code_verifier: verifier, redirect_uri: REDIRECT },
        {
          authorization: `Basic ${Buffer.from("web-app:web-app-secret-0123456789").toString("base64")}`,
        },
      ),
    );
    expect(answer.body.error).toBe("invalid_grant");
  });

  it("authorization code replay: refused, and the tokens issued from it are revoked", async () => {
    const { code, verifier } = await codeFor();
    const first = await exchange(code, verifier);
    expect(first.status).toBe(200);
    const replay = await exchange(code, verifier);
    expect(replay.body.error).toBe("invalid_grant");
    expect(replay.body.error_description).toContain("revoked");
    expect((await callTool(setup.http, first.body.access_token, "whoami")).status).toBe(401);
    const refresh = await tokenRequest(origin, {
      grant_type: "refresh_token",
      refresh_token: first.body.refresh_token,
      client_id: "native-app",
    });
    expect(refresh.body.error).toBe("invalid_grant");
  });

  it("a refresh token replayed within the grace window: the forked chain dies, and using it revokes the grant", async () => {
    const tokens = await signIn();
    const refresh = (token: string) =>
      tokenRequest(origin, {
        grant_type: "refresh_token",
        refresh_token: token,
        client_id: "native-app",
      });
    const legitimate = await refresh(tokens.refresh_token);
    const stolen = await refresh(tokens.refresh_token); // within the 5 s grace window
    expect(stolen.status).toBe(200);
    // The legitimate client refreshes again; the thief's chain is now dead.
    const next = await refresh(legitimate.body.refresh_token);
    expect(next.status).toBe(200);
    const thief = await refresh(stolen.body.refresh_token);
    expect(thief.body.error).toBe("invalid_grant");
    expect((await callTool(setup.http, next.body.access_token, "whoami")).status).toBe(401);
  });

  it("refresh token reuse after the grace window: the whole family is revoked", async () => {
    const tokens = await signIn();
    const rotated = await tokenRequest(origin, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: "native-app",
    });
    expect(rotated.status).toBe(200);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 6_000);
    const reuse = await tokenRequest(origin, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: "native-app",
    });
    expect(reuse.body.error).toBe("invalid_grant");
    expect(reuse.body.error_description).toContain("revoked");
    // The legitimate holder's newer tokens die with the family.
    expect((await callTool(setup.http, rotated.body.access_token, "whoami")).status).toBe(401);
    const next = await tokenRequest(origin, {
      grant_type: "refresh_token",
      refresh_token: rotated.body.refresh_token,
      client_id: "native-app",
    });
    expect(next.body.error).toBe("invalid_grant");
  });
});

describe("resource server attacks", () => {
  it("a token minted for another resource: 401 invalid_token", async () => {
    const tokens = await signIn({ resource: `${origin}/other/mcp` });
    expect(decodeJwt(tokens.access_token).aud).toBe(`${origin}/other/mcp`);
    const call = await unchanged(() =>
      callTool(setup.http, tokens.access_token, "echo", { text: "x" }),
    );
    expect(call.status).toBe(401);
    expect(call.body.error.message).toContain("another resource");
  });

  it("a resource this server does not serve: invalid_target", async () => {
    const response = await unchanged(() =>
      fetch(authorize(pkce().challenge, { resource: "https://elsewhere.example/mcp" }), {
        redirect: "manual",
      }),
    );
    expect(new URL(response.headers.get("location")!).searchParams.get("error")).toBe(
      "invalid_target",
    );
  });

  it("an expired token: 401 invalid_token", async () => {
    const tokens = await signIn();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 3_601_000);
    const call = await unchanged(() =>
      callTool(setup.http, tokens.access_token, "echo", { text: "x" }),
    );
    expect(call.status).toBe(401);
    expect(call.body.error.message).toContain("expired");
  });

  it("a forged JWT signed with another key under the real kid: 401", async () => {
    const real = await signIn();
    const claims = decodeJwt(real.access_token);
    const { kid } = decodeProtectedHeader(real.access_token);
    const { privateKey } = await generateKeyPair("ES256");
    const forged = await new SignJWT({ ...claims, sub: "u-bob" })
      .setProtectedHeader({ alg: "ES256", kid: kid!, typ: "at+jwt" })
      .sign(privateKey);
    const call = await unchanged(() => callTool(setup.http, forged, "whoami"));
    expect(call.status).toBe(401);
  });

  it("an unsigned JWT (alg none): 401", async () => {
    const real = await signIn();
    const claims = decodeJwt(real.access_token);
    const { kid } = decodeProtectedHeader(real.access_token);
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const unsigned = `${part({ alg: "none", kid, typ: "at+jwt" })}.${part(claims)}.`;
    const call = await unchanged(() => callTool(setup.http, unsigned, "whoami"));
    expect(call.status).toBe(401);
  });

  it("a revoked API key: 401 on the next request", async () => {
    const { key, hash, prefix } = generateApiKey();
    await setup.store.createApiKey({
      id: "attack-key",
      name: "attack",
      ownerId: "u-alice",
      scopes: ["profile"],
      hash,
      prefix,
      createdAt: Date.now(),
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    const headers = { authorization: `Key ${key}` };
    const ok = await setup.http.modern(
      "tools/call",
      { name: "whoami", arguments: {} },
      { headers },
    );
    expect(ok.status).toBe(200);
    await setup.store.revokeApiKey("attack-key", Date.now());
    const refused = await unchanged(() =>
      setup.http.modern("tools/call", { name: "whoami", arguments: {} }, { headers }),
    );
    expect(refused.status).toBe(401);
  });
});

describe("sign-in throttling", () => {
  let throttled: Awaited<ReturnType<typeof startAuthorizationServer>>;
  beforeAll(async () => {
    throttled = await startAuthorizationServer();
  });
  afterAll(() => throttled.http.close());

  it("password brute force: throttled per account, even for the right password", async () => {
    const browser = new FormBrowser();
    const page = await (await browser.get(authorizeUrl(throttled.origin, pkce().challenge))).text();
    const base = { request: hiddenField(page, "request")!, csrf: hiddenField(page, "csrf")! };
    for (let attempt = 0; attempt < 5; attempt++) {
      const wrong = await unchangedIn(throttled.store, () =>
        browser.post(`${throttled.origin}/oauth/sign-in`, {
          ...base,
          username: "carol",
          password: `guess-${attempt}`,
        }),
      );
      expect(wrong.status).toBe(200);
      expect(await wrong.text()).toContain("username or password is wrong");
    }
    const blocked = await unchangedIn(throttled.store, () =>
      browser.post(`${throttled.origin}/oauth/sign-in`, {
        ...base,
        username: "carol",
        password: PASSWORD,
      }),
    );
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await blocked.text()).toContain("Too many failed attempts");
  });

  it("password brute force in parallel: still at most 5 guesses per account", async () => {
    const browser = new FormBrowser();
    const page = await (await browser.get(authorizeUrl(throttled.origin, pkce().challenge))).text();
    const base = { request: hiddenField(page, "request")!, csrf: hiddenField(page, "csrf")! };
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, attempt) =>
        browser.post(`${throttled.origin}/oauth/sign-in`, {
          ...base,
          username: "bob",
          password: attempt === 11 ? PASSWORD : `guess-${attempt}`,
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status !== 429)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
  });

  it("password brute force across accounts: throttled per address", async () => {
    const browser = new FormBrowser();
    const page = await (await browser.get(authorizeUrl(throttled.origin, pkce().challenge))).text();
    const base = { request: hiddenField(page, "request")!, csrf: hiddenField(page, "csrf")! };
    let last: Response | undefined;
    // The ten failures above count for this address too: 10 more reach its limit of 20.
    for (let attempt = 0; attempt < 11; attempt++) {
      last = await browser.post(`${throttled.origin}/oauth/sign-in`, {
        ...base,
        username: `nobody-${attempt}`,
        password: "wrong-password",
      });
    }
    expect(last!.status).toBe(429);
  });
});
