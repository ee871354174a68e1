import { AuthorizationServer, createServer, hashPassword, loggingPlugin } from "berth";
import { MemoryAuthStore } from "berth/store";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  authorizeUrl,
  PASSWORD,
  REDIRECT,
  signInAndExchange,
  tokenRequest,
} from "../../auth/server/setup.js";
import { authorizeInBrowser, FormBrowser, hiddenField, pkce } from "../../support/oauth.js";
import { capture } from "./capture.js";
import { type Harness, startHarness } from "./harness.js";

const out = capture();
const logging = loggingPlugin({ destination: out.stream });
let harness: Harness;

const audits = (event: string) =>
  out.entries().filter((entry) => entry["audit"] === true && entry["event"] === event);

/** Write the log lines still waiting in the plugin, so the test can read them. */
const flushLog = () => new Promise<void>((resolve) => logging.logger.flush(() => resolve()));

/** Post the sign-in form once with `password`, as a browser would. */
async function signInOnce(username: string, password: string): Promise<number> {
  const browser = new FormBrowser();
  const page = await browser.get(authorizeUrl(harness.origin, pkce().challenge));
  const html = await page.text();
  const response = await browser.post(`${harness.origin}/oauth/sign-in`, {
    request: hiddenField(html, "request")!,
    csrf: hiddenField(html, "csrf")!,
    username,
    password,
  });
  await response.text();
  return response.status;
}

beforeAll(async () => {
  const store = new MemoryAuthStore();
  const now = Date.now();
  for (const [id, username] of [
    ["u-alice", "alice"],
    ["u-dan", "dan"],
  ] as const) {
    await store.createUser({
      id,
      username,
      displayName: null,
      passwordHash: await hashPassword(PASSWORD),
      disabled: false,
      createdAt: now,
      updatedAt: now,
    });
  }
  const oauth = new AuthorizationServer({
    store,
    scopesSupported: ["profile"],
    clients: [{ clientId: "native-app", name: "Native App", redirectUris: [REDIRECT] }],
    throttle: { perAccount: 2 },
    events: (event) => logging.audit(event),
  });
  const server = createServer({ name: "oauth-audit", version: "1.0.0" });
  server.tool("ping", {}, () => "pong");
  harness = await startHarness(server, [logging], { authorizationServer: oauth });
});
afterAll(() => harness.close());

describe("audit log of the authorization server", () => {
  it("records a failed sign-in with the username and address, never the password", async () => {
    expect(await signInOnce("Alice", "not-the-password-42")).toBe(200);
    await flushLog();
    const [failure] = audits("sign-in");
    expect(failure).toMatchObject({
      msg: "sign-in failure",
      outcome: "failure",
      username: "alice",
      clientId: "native-app",
      address: "127.0.0.1",
    });
    expect(out.text()).not.toContain("not-the-password-42");
  });

  it("records a sign-in refused by the throttle", async () => {
    await signInOnce("dan", "wrong-1-xxxxxxxx");
    await signInOnce("dan", "wrong-2-xxxxxxxx");
    expect(await signInOnce("dan", PASSWORD)).toBe(429);
    await flushLog();
    const dan = audits("sign-in").filter((line) => line["username"] === "dan");
    expect(dan.map((line) => line["outcome"])).toEqual(["failure", "failure", "throttled"]);
  });

  it("records a sign-in, the tokens issued, refreshed and revoked, and no secret", async () => {
    const tokens = await signInAndExchange(harness.origin);
    const refreshed = await tokenRequest(harness.origin, {
      grant_type: "refresh_token",
      refresh_token: tokens.refresh_token,
      client_id: "native-app",
    });
    expect(refreshed.status).toBe(200);
    const revoke = await fetch(`${harness.origin}/oauth/revoke`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: refreshed.body.refresh_token, client_id: "native-app" }),
    });
    expect(revoke.status).toBe(200);

    await flushLog();
    const success = audits("sign-in").find((line) => line["outcome"] === "success");
    expect(success).toMatchObject({ username: "alice", userId: "u-alice", clientId: "native-app" });
    await vi.waitFor(() => expect(audits("token")).toHaveLength(3));
    const [issued, renewed, revoked] = audits("token");
    const grant = { clientId: "native-app", userId: "u-alice", scopes: ["profile"] };
    expect(issued).toMatchObject({ msg: "token issued", action: "issued", ...grant });
    expect(renewed).toMatchObject({ action: "refreshed", grantId: issued!["grantId"], ...grant });
    expect(revoked).toMatchObject({ action: "revoked", reason: "requested", ...grant });
    const text = out.text();
    for (const secret of [
      PASSWORD,
      tokens.access_token,
      tokens.refresh_token,
      refreshed.body.refresh_token,
    ])
      expect(text).not.toContain(secret);
  });

  it("records the grant revoked when an authorization code is used twice", async () => {
    const { verifier, challenge } = pkce();
    const callback = await authorizeInBrowser(
      new FormBrowser(),
      authorizeUrl(harness.origin, challenge),
      { username: "alice", password: PASSWORD },
    );
    const exchange = () =>
      tokenRequest(harness.origin, {
        grant_type: "authorization_code",
        code: callback.searchParams.get("code")!,
        code_verifier: verifier,
        redirect_uri: REDIRECT,
        client_id: "native-app",
      });
    expect((await exchange()).status).toBe(200);
    expect((await exchange()).body.error).toBe("invalid_grant");
    await flushLog();
    const [issued, reuse] = audits("token").slice(-2);
    expect(issued).toMatchObject({ action: "issued", userId: "u-alice" });
    expect(reuse).toMatchObject({
      action: "revoked",
      reason: "code-reuse",
      grantId: issued!["grantId"],
    });
  });
});
