import type { IncomingMessage, ServerResponse } from "node:http";
import type { AuthStore } from "../../store/types.js";
import { randomToken } from "../secrets.js";
import { cookie, readCookies } from "./http-io.js";
import type { Sealer } from "./sealed.js";

/** What a {@link BrowserSession} needs from the authorization server it runs in. */
export interface BrowserSessionContext {
  /** Users, to check the signed-in one still exists and is enabled. */
  store: AuthStore;
  /** The issuer URL; a function because `serveHttp` may set it after construction. */
  issuer: () => string;
  /** The sealer of sign-in sessions and CSRF tokens. */
  sealer: () => Promise<Sealer>;
  /** How long a sign-in lasts, in seconds. */
  signInSession: number;
}

const CSRF_COOKIE = "berth_csrf";
const SESSION_COOKIE = "berth_session";

/**
 * The browser's side of the sign-in and consent pages: a CSRF cookie whose token each
 * form carries back, and a sealed sign-in cookie so the next authorization skips the
 * password.
 */
export class BrowserSession {
  readonly #context: BrowserSessionContext;

  constructor(context: BrowserSessionContext) {
    this.#context = context;
  }

  /** The CSRF token for this browser, setting its cookie when it has none. */
  async csrfToken(req: IncomingMessage, res: ServerResponse): Promise<string> {
    let nonce = readCookies(req).get(this.#cookieName(CSRF_COOKIE));
    if (!nonce || !/^[A-Za-z0-9_-]{43}$/.test(nonce)) {
      nonce = randomToken();
      const cookies = res.getHeader("set-cookie");
      const next = cookie(this.#cookieName(CSRF_COOKIE), nonce, 86_400, this.#secure());
      res.setHeader(
        "set-cookie",
        cookies === undefined ? [next] : [...([] as string[]).concat(cookies as string), next],
      );
    }
    return (await this.#context.sealer()).mac("csrf", nonce);
  }

  /**
   * Whether a form post passes the CSRF checks: the browser must say the post came from
   * this origin (when it says anything), and the form's token must match the browser's
   * CSRF cookie.
   */
  async verifiesPost(req: IncomingMessage, form: URLSearchParams): Promise<boolean> {
    const origin = req.headers.origin;
    const site = req.headers["sec-fetch-site"];
    const nonce = readCookies(req).get(this.#cookieName(CSRF_COOKIE));
    const token = form.get("csrf");
    const sealer = await this.#context.sealer();
    const sameOrigin =
      (origin === undefined || origin === this.#context.issuer()) &&
      (site === undefined || site === "same-origin" || site === "none");
    return sameOrigin && !!nonce && !!token && sealer.verify("csrf", nonce, token);
  }

  /** The signed-in user's id, or undefined without a valid session or an enabled user. */
  async signedInUser(req: IncomingMessage): Promise<string | undefined> {
    const session = (await this.#context.sealer()).open(
      "session",
      readCookies(req).get(this.#cookieName(SESSION_COOKIE)),
    ) as { uid?: unknown } | undefined;
    if (typeof session?.uid !== "string") return undefined;
    const user = await this.#context.store.getUser(session.uid);
    return user && !user.disabled ? user.id : undefined;
  }

  /** Sign the browser in as `userId`, setting the session cookie on the response. */
  async signIn(res: ServerResponse, userId: string): Promise<void> {
    const sealer = await this.#context.sealer();
    const session = sealer.seal("session", { uid: userId }, this.#context.signInSession * 1000);
    res.setHeader(
      "set-cookie",
      cookie(
        this.#cookieName(SESSION_COOKIE),
        session,
        this.#context.signInSession,
        this.#secure(),
      ),
    );
  }

  /** On https, `__Host-` names: no sibling subdomain can set or shadow them. */
  #cookieName(base: string): string {
    return this.#secure() ? `__Host-${base}` : base;
  }

  #secure(): boolean {
    return this.#context.issuer().startsWith("https:");
  }
}
