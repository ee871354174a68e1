import { createHash, randomBytes } from "node:crypto";

/** A PKCE verifier and its S256 challenge. */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

/** The value of a hidden form field in a page. */
export function hiddenField(html: string, name: string): string | undefined {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  return match?.[1]
    ?.replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

/**
 * A scripted browser: keeps cookies, never follows redirects, and posts forms the way a
 * browser does (same-origin `Origin` header, form encoding).
 */
export class FormBrowser {
  readonly cookies = new Map<string, string>();

  async get(url: string | URL): Promise<Response> {
    const response = await fetch(url, { redirect: "manual", headers: this.#cookieHeader() });
    this.#keep(response);
    return response;
  }

  async post(
    url: string | URL,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const response = await fetch(url, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: new URL(url).origin,
        ...this.#cookieHeader(),
        ...headers,
      },
      body: new URLSearchParams(form).toString(),
    });
    this.#keep(response);
    return response;
  }

  #cookieHeader(): Record<string, string> {
    if (this.cookies.size === 0) return {};
    return { cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ") };
  }

  #keep(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const eq = pair!.indexOf("=");
      this.cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
    }
  }
}

/** What signing in through the pages needs. */
export interface SignInAs {
  username: string;
  password: string;
  /** Answer on the consent page, if one is shown (default allow). */
  decision?: "allow" | "deny";
}

/**
 * Follow an authorization URL through the sign-in and consent pages as a user would, and
 * return the URL the browser is finally sent to (the client's redirect URI).
 */
export async function authorizeInBrowser(
  browser: FormBrowser,
  authorizeUrl: string | URL,
  user: SignInAs,
): Promise<URL> {
  let response = await browser.get(authorizeUrl);
  const origin = new URL(authorizeUrl).origin;
  for (let step = 0; step < 4; step++) {
    if (response.status === 302 || response.status === 303)
      return new URL(response.headers.get("location")!, origin);
    const html = await response.text();
    if (response.status !== 200)
      throw new Error(`authorization page answered ${response.status}: ${html}`);
    const request = hiddenField(html, "request")!;
    const csrf = hiddenField(html, "csrf")!;
    if (html.includes('action="/oauth/sign-in"')) {
      response = await browser.post(`${origin}/oauth/sign-in`, {
        request,
        csrf,
        username: user.username,
        password: user.password,
      });
    } else if (html.includes('action="/oauth/consent"')) {
      response = await browser.post(`${origin}/oauth/consent`, {
        request,
        csrf,
        decision: user.decision ?? "allow",
      });
    } else {
      throw new Error(`unexpected page: ${html}`);
    }
  }
  throw new Error("too many pages before the redirect");
}
