/**
 * Getting a JWT access token from Berth's authorization server the way a native client and
 * its user do, without a browser: GET /oauth/authorize, post the sign-in form (with the
 * CSRF cookie and the page's hidden fields), allow on the consent page, read the code off
 * the redirect, exchange it with the PKCE verifier at /oauth/token.
 */
import { createHash, randomBytes } from "node:crypto";

/** How long one step of the flow may take. */
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * @typedef {object} SignIn
 * @property {string} username
 * @property {string} password
 * @property {string} clientId A public client registered with the authorization server.
 * @property {string} redirectUri One of the client's redirect URIs.
 * @property {string} scope Space-separated scopes to ask for.
 */

/**
 * Sign in through the authorization server that serves `resource` and return an access
 * token for `resource`.
 *
 * @param {string} resource The MCP endpoint URL (its origin is the issuer).
 * @param {SignIn} signIn
 * @returns {Promise<string>}
 */
export async function accessToken(resource, signIn) {
  const origin = new URL(resource).origin;
  const verifier = randomBytes(32).toString("base64url");
  const authorize = new URL("/oauth/authorize", origin);
  for (const [name, value] of Object.entries({
    response_type: "code",
    client_id: signIn.clientId,
    redirect_uri: signIn.redirectUri,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    state: randomBytes(16).toString("base64url"),
    scope: signIn.scope,
    resource,
  }))
    authorize.searchParams.set(name, value);

  const browser = new FormBrowser();
  let response = await browser.get(authorize);
  // At most two pages (sign-in, then consent) before the redirect back to the client.
  for (let step = 0; step < 3 && response.status === 200; step++) {
    const html = await response.text();
    const hidden = { request: hiddenField(html, "request"), csrf: hiddenField(html, "csrf") };
    if (html.includes('action="/oauth/sign-in"'))
      response = await browser.post(new URL("/oauth/sign-in", origin), {
        ...hidden,
        username: signIn.username,
        password: signIn.password,
      });
    else if (html.includes('action="/oauth/consent"'))
      response = await browser.post(new URL("/oauth/consent", origin), {
        ...hidden,
        decision: "allow",
      });
    else throw new Error(`unexpected page during sign-in: ${html.slice(0, 300)}`);
  }
  const location = response.headers.get("location");
  if ((response.status !== 302 && response.status !== 303) || !location)
    throw new Error(`sign-in did not end in a redirect (HTTP ${response.status})`);
  const callback = new URL(location, origin);
  const code = callback.searchParams.get("code");
  if (!code) throw new Error(`no authorization code in the redirect: ${callback}`);

  const token = await fetch(new URL("/oauth/token", origin), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: signIn.redirectUri,
      client_id: signIn.clientId,
      resource,
    }).toString(),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const body = await token.json();
  if (token.status !== 200 || typeof body.access_token !== "string")
    throw new Error(`token request failed (HTTP ${token.status}): ${JSON.stringify(body)}`);
  return body.access_token;
}

/**
 * The value of a hidden form field in a page, unescaped.
 *
 * @param {string} html
 * @param {string} name
 */
function hiddenField(html, name) {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no hidden field '${name}' on the page`);
  return match[1]
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/**
 * Just enough browser: keeps cookies, does not follow redirects, posts forms with a
 * same-origin `Origin` header as a browser does.
 */
class FormBrowser {
  #cookies = new Map();

  /** @param {URL} url */
  async get(url) {
    return this.#send(url, { headers: this.#cookieHeader() });
  }

  /**
   * @param {URL} url
   * @param {Record<string, string>} form
   */
  async post(url, form) {
    return this.#send(url, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: url.origin,
        ...this.#cookieHeader(),
      },
      body: new URLSearchParams(form).toString(),
    });
  }

  async #send(url, init) {
    const response = await fetch(url, {
      ...init,
      redirect: "manual",
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(";")[0];
      const eq = pair.indexOf("=");
      this.#cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    return response;
  }

  #cookieHeader() {
    if (this.#cookies.size === 0) return {};
    return {
      cookie: [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; "),
    };
  }
}
