import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { randomToken, sha256Hex } from "../secrets.js";
import type { AuthorizationFlowContext } from "./authorization-flow-context.js";
import {
  checkAuthorizationRequest,
  type PendingAuthorization,
  RedirectedError,
  responseLocation,
  UnredirectableError,
} from "./authorize-request.js";
import { BrowserSession } from "./browser-session.js";
import type { OAuthClient } from "./clients.js";
import { readForm, redirect, sendHtml } from "./http-io.js";
import { OAuthError } from "./oauth-error.js";
import { consentPage } from "./pages/consent.js";
import { errorPage } from "./pages/error.js";
import { formTargetOf, type Page } from "./pages/html.js";
import { signInPage } from "./pages/sign-in.js";
import { isLoopbackUrl } from "./resources.js";

const PENDING_TTL_MS = 10 * 60_000;

/**
 * The browser-facing part of authorization: `GET /oauth/authorize`, then the sign-in and
 * consent pages and their form posts, ending in a redirect to the client with a code or
 * an error. The pending request travels sealed in the forms rather than in the store, and
 * a sealed cookie keeps the user signed in for the next authorization.
 */
export class AuthorizationFlow {
  readonly #context: AuthorizationFlowContext;
  readonly #browser: BrowserSession;

  constructor(context: AuthorizationFlowContext) {
    this.#context = context;
    this.#browser = new BrowserSession({
      store: context.store,
      issuer: context.issuer,
      sealer: context.sealer,
      signInSession: context.lifetimes.signInSession,
    });
  }

  /** Answer `GET /oauth/authorize`: ask to sign in, ask consent, or issue a code at once. */
  async authorize(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = new URL(req.url ?? "/", "http://x").searchParams;
    let checked: { client: OAuthClient; pending: PendingAuthorization };
    try {
      checked = await checkAuthorizationRequest(params, {
        clients: this.#context.clients,
        scopesSupported: this.#context.options.scopesSupported,
        defaultScopes:
          this.#context.options.defaultScopes ?? this.#context.options.scopesSupported ?? [],
        resource: (requested) => this.#context.resource(requested),
      });
    } catch (error) {
      if (error instanceof UnredirectableError) {
        this.#page(res, 400, errorPage("This sign-in link cannot be used", error.message));
        return;
      }
      if (error instanceof RedirectedError) {
        redirect(res, this.#errorLocation(error.redirectUri, error.oauth, error.state), req.method);
        return;
      }
      throw error;
    }
    const { client, pending } = checked;
    const userId = await this.#browser.signedInUser(req);
    if (pending.prompt === "none") {
      if (!userId)
        return this.#sendBack(
          req,
          res,
          pending,
          new OAuthError("login_required", "Sign-in is needed"),
        );
      if (await this.#needsConsent(userId, pending))
        return this.#sendBack(
          req,
          res,
          pending,
          new OAuthError("consent_required", "Consent is needed"),
        );
      return this.#issueCode(req, res, userId, pending);
    }
    if (!userId || pending.prompt === "login") return this.#showSignIn(req, res, client, pending);
    return this.#continueAs(req, res, client, userId, pending);
  }

  /** Answer the sign-in form's post. */
  async submitSignIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await this.#readPageForm(req, res);
    if (!form) return;
    const found = await this.#pendingOf(res, form);
    if (!found) return;
    const { client, pending } = found;
    const address = this.#context.clientAddress(req);
    const account = form.get("username")?.trim().toLowerCase() || undefined;
    const wait = this.#context.throttle.begin(account, address);
    const signIn = { type: "sign-in", username: account, clientId: client.id, address } as const;
    if (wait > 0) {
      this.#context.events?.({ ...signIn, outcome: "throttled" });
      const minutes = Math.ceil(wait / 60);
      return this.#showSignIn(req, res, client, pending, {
        status: 429,
        headers: { "retry-after": String(wait) },
        error: `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
        previous: form,
      });
    }
    const result = await this.#context.signIn.verify(form);
    if (!result.ok) {
      if (result.account && result.account !== account) this.#context.throttle.fail(result.account);
      this.#context.events?.({
        ...signIn,
        username: account ?? result.account,
        outcome: "failure",
      });
      // 200: the page is the answer, showing what went wrong (browsers log a 4xx as an error).
      return this.#showSignIn(req, res, client, pending, {
        status: 200,
        error: result.message,
        previous: form,
      });
    }
    this.#context.throttle.succeeded(account, address);
    this.#context.events?.({ ...signIn, outcome: "success", userId: result.userId });
    await this.#browser.signIn(res, result.userId);
    return this.#continueAs(req, res, client, result.userId, { ...pending, prompt: undefined });
  }

  /** Answer the consent form's post: Allow saves the consent and issues a code. */
  async submitConsent(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await this.#readPageForm(req, res);
    if (!form) return;
    const found = await this.#pendingOf(res, form);
    if (!found) return;
    const { client, pending } = found;
    const userId = await this.#browser.signedInUser(req);
    if (!userId)
      return this.#showSignIn(req, res, client, pending, {
        status: 400,
        error: "Your sign-in has expired; sign in again.",
      });
    const decision = form.get("decision");
    if (decision === "deny")
      return this.#sendBack(
        req,
        res,
        pending,
        new OAuthError("access_denied", "The user denied access"),
      );
    if (decision !== "allow") {
      this.#page(res, 400, errorPage("Unexpected answer", "Choose Allow or Deny."));
      return;
    }
    const previous = await this.#context.store.getConsent(
      userId,
      pending.clientId,
      pending.resource,
    );
    await this.#context.store.saveConsent({
      userId,
      clientId: pending.clientId,
      resource: pending.resource,
      scopes: [...new Set([...(previous?.scopes ?? []), ...pending.scopes])],
      grantedAt: Date.now(),
    });
    return this.#issueCode(req, res, userId, pending);
  }

  async #continueAs(
    req: IncomingMessage,
    res: ServerResponse,
    client: OAuthClient,
    userId: string,
    pending: PendingAuthorization,
  ): Promise<void> {
    if (pending.prompt === "consent" || (await this.#needsConsent(userId, pending))) {
      const user = await this.#context.store.getUser(userId);
      const csrf = await this.#browser.csrfToken(req, res);
      const sealer = await this.#context.sealer();
      this.#page(
        res,
        200,
        consentPage({
          serverName: this.#serverName(),
          clientName: client.name ?? client.id,
          redirectHost: redirectHostOf(pending.redirectUri),
          resource: pending.resource,
          clientKind: client.source,
          clientId: client.id,
          loopbackRedirect: isLoopbackUrl(new URL(pending.redirectUri)),
          scopes: pending.scopes.map((name) => ({
            name,
            description: this.#context.options.scopeDescriptions?.[name],
          })),
          userName: user?.displayName ?? user?.username ?? userId,
          request: sealer.seal("authorization", pending, PENDING_TTL_MS),
          csrf,
          formTargets: [formTargetOf(pending.redirectUri)],
        }),
      );
      return;
    }
    return this.#issueCode(req, res, userId, pending);
  }

  /**
   * Whether the user must see the consent page. Always for a loopback redirect URI: any
   * program on the user's machine can listen there and claim to be a client the user
   * approved before, so each authorization is confirmed.
   */
  async #needsConsent(userId: string, pending: PendingAuthorization): Promise<boolean> {
    if (isLoopbackUrl(new URL(pending.redirectUri))) return true;
    const consent = await this.#context.store.getConsent(
      userId,
      pending.clientId,
      pending.resource,
    );
    return !consent || !pending.scopes.every((scope) => consent.scopes.includes(scope));
  }

  async #issueCode(
    req: IncomingMessage,
    res: ServerResponse,
    userId: string,
    pending: PendingAuthorization,
  ): Promise<void> {
    const code = randomToken();
    const now = Date.now();
    const grantId = randomUUID();
    await this.#context.store.createGrant(
      {
        id: grantId,
        userId,
        clientId: pending.clientId,
        scopes: pending.scopes,
        resource: pending.resource,
        createdAt: now,
        revokedAt: null,
      },
      {
        hash: sha256Hex(code),
        grantId,
        redirectUri: pending.redirectUri,
        codeChallenge: pending.codeChallenge,
        createdAt: now,
        expiresAt: now + this.#context.lifetimes.authorizationCode * 1000,
        usedAt: null,
      },
    );
    const location = responseLocation(pending.redirectUri, {
      code,
      state: pending.state,
      iss: this.#context.issuer(),
    });
    redirect(res, location, req.method, this.#pendingHeaders(res));
  }

  #sendBack(
    req: IncomingMessage,
    res: ServerResponse,
    pending: PendingAuthorization,
    error: OAuthError,
  ): void {
    redirect(
      res,
      this.#errorLocation(pending.redirectUri, error, pending.state),
      req.method,
      this.#pendingHeaders(res),
    );
  }

  /** Headers already set on the response (the session cookie) that a redirect must keep. */
  #pendingHeaders(res: ServerResponse): Record<string, string | string[]> {
    const setCookie = res.getHeader("set-cookie");
    return setCookie === undefined ? {} : { "set-cookie": setCookie as string | string[] };
  }

  #errorLocation(redirectUri: string, error: OAuthError, state: string | undefined): string {
    return responseLocation(redirectUri, {
      error: error.error,
      error_description: error.message,
      state,
      iss: this.#context.issuer(),
    });
  }

  async #showSignIn(
    req: IncomingMessage,
    res: ServerResponse,
    client: OAuthClient,
    pending: PendingAuthorization,
    failure?: {
      status: number;
      error: string;
      previous?: URLSearchParams;
      headers?: Record<string, string>;
    },
  ): Promise<void> {
    const csrf = await this.#browser.csrfToken(req, res);
    const sealer = await this.#context.sealer();
    const page = signInPage({
      serverName: this.#serverName(),
      clientName: client.name ?? client.id,
      request: sealer.seal("authorization", pending, PENDING_TTL_MS),
      csrf,
      fields: this.#context.signIn.fields(failure?.previous),
      ...(failure ? { error: failure.error } : {}),
      formTargets: [formTargetOf(pending.redirectUri)],
    });
    this.#page(res, failure?.status ?? 200, page, failure?.headers);
  }

  #page(
    res: ServerResponse,
    status: number,
    page: Page,
    headers: Record<string, string> = {},
  ): void {
    sendHtml(res, status, page.html, { ...page.headers, ...headers });
  }

  /**
   * A form post from the sign-in or consent page, or undefined after answering 403 when
   * it fails the CSRF checks ({@link BrowserSession.verifiesPost}).
   */
  async #readPageForm(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<URLSearchParams | undefined> {
    const form = await readForm(req);
    if (!(await this.#browser.verifiesPost(req, form))) {
      this.#page(
        res,
        403,
        errorPage(
          "This form has expired",
          "The form could not be verified as coming from this page. Go back to your application and start signing in again.",
        ),
      );
      return undefined;
    }
    return form;
  }

  async #pendingOf(
    res: ServerResponse,
    form: URLSearchParams,
  ): Promise<{ client: OAuthClient; pending: PendingAuthorization } | undefined> {
    const sealer = await this.#context.sealer();
    const pending = sealer.open("authorization", form.get("request")) as
      | PendingAuthorization
      | undefined;
    const client =
      pending && (await this.#context.clients.find(pending.clientId).catch(() => undefined));
    if (!pending || !client) {
      this.#page(
        res,
        400,
        errorPage(
          "This sign-in has expired",
          "Go back to your application and start signing in again.",
        ),
      );
      return undefined;
    }
    return { client, pending };
  }

  #serverName(): string {
    return this.#context.options.serverName ?? new URL(this.#context.issuer()).host;
  }
}

function redirectHostOf(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.host || url.protocol;
}
