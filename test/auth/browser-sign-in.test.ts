/**
 * Sign-in through the authorization server's pages in headless Chromium: the form, the
 * consent page and the redirect back must work in a real browser under the pages' CSP,
 * with no console errors, page errors or failed requests along the way.
 */
import { existsSync } from "node:fs";
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { AuthorizationServer, RunningHttpServer } from "berth";
import { MemoryAuthStore } from "berth/store";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startDemoHost } from "../../examples/demo-host.js";
import { DEMO_USERS } from "../../examples/demo-users.js";
import { modernMeta, readJsonRpc } from "../support/http.js";
import { pkce } from "../support/oauth.js";
import { tokenRequest } from "./server/setup.js";

const executablePath = process.env["CHROMIUM_PATH"] || "/usr/bin/chromium";
const hasChromium = existsSync(executablePath);
if (!hasChromium) {
  console.warn(
    `browser-sign-in.test.ts skipped: headless Chromium not found at ${executablePath}, ` +
      "install Debian's chromium (apt-get install --no-install-recommends chromium) " +
      "or set CHROMIUM_PATH to a Chromium executable",
  );
}

const STEP_TIMEOUT = 10_000;
const TEST_TIMEOUT = 30_000;
const alice = DEMO_USERS[0];

/** The client's redirect URI: records each query it receives and answers a small page. */
async function startCallback(): Promise<{
  server: HttpServer;
  url: string;
  next(): Promise<URLSearchParams>;
}> {
  let waiting: ((query: URLSearchParams) => void) | undefined;
  const server = createHttpServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== "/callback") {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res
      .writeHead(200, { "content-type": "text/html; charset=utf-8" })
      .end(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed in</title>' +
          '<link rel="icon" href="data:,"></head><body><h1>Signed in</h1></body></html>',
      );
    waiting?.(url.searchParams);
    waiting = undefined;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}/callback`,
    next: () =>
      new Promise((resolve) => {
        waiting = resolve;
      }),
  };
}

/** Everything a page reported as going wrong: console errors, uncaught errors, failed requests. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error")
      problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) =>
    problems.push(`request failed: ${request.url()} (${request.failure()?.errorText})`),
  );
  return problems;
}

/** Wait for one step of the flow; when it fails, say what the page reported until then. */
async function step<T>(what: string, problems: string[], promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${STEP_TIMEOUT} ms`)), STEP_TIMEOUT);
  });
  try {
    return await Promise.race([promise, timeout]);
  } catch (error) {
    throw new Error(
      `${what} failed: ${(error as Error).message}\nThe page reported: ${JSON.stringify(problems, null, 2)}`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!hasChromium)("signing in with headless Chromium", () => {
  let browser: Browser;
  let callback: Awaited<ReturnType<typeof startCallback>>;
  let running: RunningHttpServer;
  let oauth: AuthorizationServer;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    callback = await startCallback();
    ({ running, oauth } = await startDemoHost({
      store: new MemoryAuthStore(),
      port: 0,
      authorization: {
        clients: [{ clientId: "browser-test", name: "Browser Test", redirectUris: [callback.url] }],
      },
    }));
    browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
  }, TEST_TIMEOUT);

  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await new Promise((resolve) => callback?.server.close(resolve));
  });

  async function openPage(): Promise<{ page: Page; problems: string[] }> {
    context = await browser.newContext();
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    return { page, problems: watchProblems(page) };
  }

  function authorizeUrl(challenge: string, state: string): string {
    const url = new URL("/oauth/authorize", running.url);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: "browser-test",
      redirect_uri: callback.url,
      code_challenge: challenge,
      code_challenge_method: "S256",
      state,
      scope: "profile",
      resource: running.url.href,
    }).toString();
    return url.href;
  }

  it(
    "signs alice in, asks her consent, and sends a code the client can use",
    async () => {
      const { page, problems } = await openPage();
      const { verifier, challenge } = pkce();
      const state = "browser-state-1";

      await page.goto(authorizeUrl(challenge, state));
      expect(await page.locator("html").getAttribute("lang")).toBe("en");
      expect(await page.locator("h1").textContent()).toBe("Sign in to Berth demo");
      await page.getByLabel("Username").fill(alice.username);
      await page.getByLabel("Password").fill(alice.password);
      await page.getByRole("button", { name: "Sign in" }).click();

      await step(
        "showing the consent page",
        problems,
        page.getByRole("heading", { level: 1, name: "Allow Browser Test?" }).waitFor(),
      );
      expect(await page.locator("html").getAttribute("lang")).toBe("en");
      const consent = await page.locator("main").innerText();
      expect(consent).toContain("Browser Test");
      expect(consent).toContain(new URL(callback.url).host);
      expect(consent).toContain("profile");
      const hit = callback.next();
      await page.getByRole("button", { name: "Allow" }).click();

      const query = await step("redirecting to the client", problems, hit);
      await page.waitForURL((url) => url.href.startsWith(callback.url));
      await page.getByRole("heading", { name: "Signed in" }).waitFor();
      expect(query.get("state")).toBe(state);
      expect(query.get("iss")).toBe(running.url.origin);
      expect(query.get("iss")).toBe(oauth.issuer);
      const code = query.get("code");
      expect(code).toBeTruthy();

      const token = await tokenRequest(running.url.origin, {
        grant_type: "authorization_code",
        code: code!,
        code_verifier: verifier,
        redirect_uri: callback.url,
        client_id: "browser-test",
      });
      expect(token.status).toBe(200);
      const response = await fetch(running.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          authorization: `Bearer ${token.body.access_token}`,
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/call",
          "mcp-name": "whoami",
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: "whoami", arguments: {}, _meta: modernMeta() },
        }),
      });
      expect(response.status).toBe(200);
      const answer = await readJsonRpc(response);
      expect(answer.result.isError).toBeFalsy();
      expect(answer.result.structuredContent).toMatchObject({ subject: "demo-alice" });

      expect(problems).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    "shows a wrong password as an alert and marks the fields invalid",
    async () => {
      const { page, problems } = await openPage();
      await page.goto(authorizeUrl(pkce().challenge, "browser-state-2"));
      await page.getByLabel("Username").fill(alice.username);
      await page.getByLabel("Password").fill("not-alices-password");
      await page.getByRole("button", { name: "Sign in" }).click();

      const alert = page.getByRole("alert");
      await step("showing the sign-in error", problems, alert.waitFor());
      expect(await alert.innerText()).toContain("The username or password is wrong.");
      const username = page.getByLabel("Username");
      const password = page.getByLabel("Password");
      expect(await username.inputValue()).toBe(alice.username);
      expect(await password.inputValue()).toBe("");
      for (const field of [username, password]) {
        expect(await field.getAttribute("aria-invalid")).toBe("true");
        expect(await field.getAttribute("aria-describedby")).toBe(await alert.getAttribute("id"));
      }
      expect(await page.evaluate("document.activeElement && document.activeElement.id")).toBe(
        "password",
      );
      expect(page.url()).toBe(new URL("/oauth/sign-in", running.url).href);

      // The failed attempt is a page like any other: nothing logged.
      expect(problems).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
