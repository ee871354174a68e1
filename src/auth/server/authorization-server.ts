import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AuthStore } from "../../store/types.js";
import { ResourceServer, type ResourceServerOptions } from "../resource-server.js";
import { AccessTokens } from "./access-tokens.js";
import {
  checkAuthorizationRequest,
  type PendingAuthorization,
  RedirectedError,
  responseLocation,
  UnredirectableError,
} from "./authorize-request.js";
import {
  type ClientMetadataDocumentOptions,
  ClientMetadataDocuments,
} from "./client-metadata-document.js";
import { ClientDirectory, type OAuthClient, type PreRegisteredClient } from "./clients.js";
import {
  clientAddress,
  cookie,
  readCookies,
  readForm,
  readJsonObject,
  redirect,
  sendHtml,
  sendJson,
  sendOAuthError,
} from "./http-io.js";
import { authorizationServerMetadata, ENDPOINTS } from "./metadata.js";
import { OAuthError } from "./oauth-error.js";
import { consentPage } from "./pages/consent.js";
import { errorPage } from "./pages/error.js";
import { formTargetOf, type Page } from "./pages/html.js";
import { signInPage } from "./pages/sign-in.js";
import { registerClient } from "./registration.js";
import { Sealer } from "./sealed.js";
import { PasswordSignIn, type SignInStep } from "./sign-in-step.js";
import { SigningKeys } from "./signing-keys.js";
import { SignInThrottle, type SignInThrottleOptions } from "./throttle.js";
import { randomToken, sha256Hex, TokenEndpoint } from "./token-endpoint.js";

/** Lifetimes, in seconds. */
export interface AuthorizationServerLifetimes {
  /** Access tokens (default 3600). */
  accessToken?: number;
  /** Refresh tokens, renewed on every rotation (default 30 days). */
  refreshToken?: number;
  /** Authorization codes (default 60). */
  authorizationCode?: number;
  /** A rotated refresh token still works this long, for concurrent refreshes (default 30). */
  refreshGrace?: number;
  /** The browser's sign-in session, so the next authorization skips the password (default 8 hours). */
  signInSession?: number;
}

/** Options of an {@link AuthorizationServer}. */
export interface AuthorizationServerOptions {
  /** Users, clients, grants, tokens and signing keys. */
  store: AuthStore;
  /** The issuer URL (scheme, host, port; no path). Default: set by `serveHttp` from where it listens. */
  issuer?: string;
  /** The name shown on the sign-in and consent pages. */
  serverName?: string;
  /** Scopes clients may ask for; undefined accepts any. */
  scopesSupported?: string[];
  /** Text shown for each scope on the consent page. */
  scopeDescriptions?: Record<string, string>;
  /** Scopes granted when a client asks for none (default: every supported scope). */
  defaultScopes?: string[];
  /** Resource URLs tokens may be issued for (RFC 8707). Default: the endpoints `serveHttp` serves. */
  resources?: string[];
  /** Clients configured up front. */
  clients?: PreRegisteredClient[];
  /** Accept Dynamic Client Registration (default true). */
  dynamicRegistration?: boolean;
  /** Accept Client ID Metadata Documents (default on); `false` turns them off. */
  clientMetadataDocuments?: ClientMetadataDocumentOptions | false;
  /** How users sign in (default: username and password from the store). */
  signIn?: SignInStep;
  /** Limits on failed sign-ins. */
  throttle?: SignInThrottleOptions;
  lifetimes?: AuthorizationServerLifetimes;
  /**
   * How many proxies in front of Berth to trust for the client's address (from
   * `X-Forwarded-For`), which sign-in throttling counts by. Default 0: the socket's peer.
   * Behind a proxy, leaving it 0 makes every user share the proxy's address.
   */
  trustProxy?: number;
  /** Dynamic registrations accepted per client address per hour (default 20). */
  registrationsPerHour?: number;
}

const PENDING_TTL_MS = 10 * 60_000;
const CSRF_COOKIE = "berth_csrf";
const SESSION_COOKIE = "berth_session";
const PURGE_INTERVAL_MS = 3_600_000;

/**
 * Berth's built-in OAuth 2.1 authorization server: metadata (RFC 8414), authorization
 * code with PKCE S256, sign-in and consent pages, token with refresh rotation, revocation
 * (RFC 7009), Dynamic Client Registration (RFC 7591), Client ID Metadata Documents and a
 * JWKS. Access tokens are JWTs (RFC 9068) checked by {@link AuthorizationServer.resourceServer}.
 *
 * @example
 * const store = await openAuthStore(undefined, "./data");
 * const oauth = new AuthorizationServer({ store, scopesSupported: ["files:read"] });
 * await serveHttp(server, { authorizationServer: oauth });
 */
export class AuthorizationServer {
  readonly #options: AuthorizationServerOptions;
  readonly #store: AuthStore;
  readonly #clients: ClientDirectory;
  readonly #keys: SigningKeys;
  readonly #tokens: AccessTokens;
  readonly #tokenEndpoint: TokenEndpoint;
  readonly #signIn: SignInStep;
  readonly #throttle: SignInThrottle;
  /** Counts registrations per address (every one counts, as a sign-in failure would). */
  readonly #registrations: SignInThrottle;
  readonly #lifetimes: Required<AuthorizationServerLifetimes>;
  #issuer: string | undefined;
  #resources: string[] = [];
  #sealer: Promise<Sealer> | undefined;
  #purgeTimer: NodeJS.Timeout | undefined;

  constructor(options: AuthorizationServerOptions) {
    this.#options = options;
    this.#store = options.store;
    if (options.issuer) this.useIssuer(options.issuer);
    const documents =
      options.clientMetadataDocuments === false
        ? undefined
        : new ClientMetadataDocuments(options.clientMetadataDocuments);
    this.#clients = new ClientDirectory(this.#store, options.clients ?? [], documents);
    const lifetimes = options.lifetimes ?? {};
    this.#lifetimes = {
      accessToken: lifetimes.accessToken ?? 3600,
      refreshToken: lifetimes.refreshToken ?? 30 * 86_400,
      authorizationCode: lifetimes.authorizationCode ?? 60,
      refreshGrace: lifetimes.refreshGrace ?? 30,
      signInSession: lifetimes.signInSession ?? 8 * 3600,
    };
    this.#keys = new SigningKeys(this.#store, this.#lifetimes.accessToken * 1000);
    this.#tokens = new AccessTokens(
      this.#keys,
      this.#store,
      () => this.issuer,
      this.#lifetimes.accessToken,
    );
    this.#tokenEndpoint = new TokenEndpoint(this.#store, this.#tokens, {
      refreshTokenMs: this.#lifetimes.refreshToken * 1000,
      refreshGraceMs: this.#lifetimes.refreshGrace * 1000,
    });
    this.#signIn = options.signIn ?? new PasswordSignIn(this.#store);
    this.#throttle = new SignInThrottle(options.throttle);
    this.#registrations = new SignInThrottle({
      perAddress: options.registrationsPerHour ?? 20,
      windowSeconds: 3600,
    });
  }

  /** The issuer URL; throws until it is configured or `serveHttp` has set it. */
  get issuer(): string {
    if (!this.#issuer)
      throw new Error(
        "The authorization server has no issuer yet: pass `issuer`, or serve it with serveHttp",
      );
    return this.#issuer;
  }

  /** Set the issuer (scheme, host and port) when it was not configured. */
  useIssuer(issuer: string): void {
    const url = new URL(issuer);
    if (url.pathname !== "/" || url.search || url.hash)
      throw new Error(
        `The issuer must be an origin without path, query or fragment (got ${issuer})`,
      );
    if (url.protocol !== "https:" && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname))
      throw new Error(`The issuer must use https unless it is on loopback (got ${issuer})`);
    this.#issuer ??= url.origin;
  }

  /** Add a resource (an MCP endpoint URL) tokens may be issued for. */
  addResource(resource: string): void {
    if (!this.#resources.includes(resource)) this.#resources.push(resource);
  }

  /** The signing keys, to rotate them. */
  get signingKeys(): SigningKeys {
    return this.#keys;
  }

  /**
   * A {@link ResourceServer} that accepts this server's access tokens and API keys from
   * its store, and points clients here in its metadata.
   */
  resourceServer(options: Partial<ResourceServerOptions> = {}): ResourceServer {
    return new ResourceServer({
      store: this.#store,
      authorizationServers: () => [this.issuer],
      ...(this.#options.scopesSupported ? { scopesSupported: this.#options.scopesSupported } : {}),
      verifyToken: (token, resource) => this.#tokens.verify(token, resource),
      ...options,
    });
  }

  /** Whether a request path belongs to the authorization server. */
  handles(pathname: string): boolean {
    return (
      pathname.startsWith("/oauth/") ||
      pathname === "/.well-known/oauth-authorization-server" ||
      pathname === "/.well-known/openid-configuration"
    );
  }

  /** Answer a request whose path {@link handles} accepts. */
  async handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    this.#startPurging();
    try {
      await this.#route(req, res, pathname);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof OAuthError) {
        sendOAuthError(res, error, /^Basic /i.test(req.headers.authorization ?? ""));
        return;
      }
      sendJson(res, 500, {
        error: "server_error",
        error_description: "The authorization server failed",
      });
    }
  }

  /** Stop background work. */
  close(): void {
    clearInterval(this.#purgeTimer);
  }

  async #route(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    const method = req.method ?? "GET";
    const cors = { "access-control-allow-origin": "*" };
    if (method === "OPTIONS") {
      res.writeHead(204, {
        ...cors,
        "access-control-allow-methods": "GET, POST, OPTIONS",
        "access-control-allow-headers": "authorization, content-type, mcp-protocol-version",
        "access-control-max-age": "86400",
      });
      res.end();
      return;
    }
    const expect = (allowed: string, head = allowed === "GET") => {
      if (method === allowed || (head && method === "HEAD")) return true;
      req.resume();
      sendJson(
        res,
        405,
        { error: "invalid_request", error_description: `Use ${allowed}` },
        { allow: allowed },
      );
      return false;
    };
    switch (pathname) {
      case "/.well-known/oauth-authorization-server":
      case "/.well-known/openid-configuration":
        if (expect("GET"))
          sendJson(res, 200, this.metadata(), { ...cors, "cache-control": "max-age=300" });
        return;
      case ENDPOINTS.jwks:
        if (expect("GET"))
          sendJson(res, 200, await this.#keys.jwks(), { ...cors, "cache-control": "max-age=300" });
        return;
      case ENDPOINTS.authorize:
        // GET only: a HEAD must not issue a code.
        if (expect("GET", false)) await this.#authorize(req, res);
        return;
      case ENDPOINTS.signIn:
        if (expect("POST")) await this.#submitSignIn(req, res);
        return;
      case ENDPOINTS.consent:
        if (expect("POST")) await this.#submitConsent(req, res);
        return;
      case ENDPOINTS.token:
        if (expect("POST")) await this.#token(req, res);
        return;
      case ENDPOINTS.register:
        if (expect("POST")) await this.#register(req, res);
        return;
      case ENDPOINTS.revoke:
        if (expect("POST")) await this.#revoke(req, res);
        return;
      default:
        req.resume();
        sendJson(res, 404, { error: "not_found", error_description: `Nothing at ${pathname}` });
    }
  }

  /** The authorization server metadata document (RFC 8414). */
  metadata(): Record<string, unknown> {
    return authorizationServerMetadata({
      issuer: this.issuer,
      scopesSupported: this.#options.scopesSupported,
      dynamicRegistration: this.#options.dynamicRegistration !== false,
      metadataDocuments: this.#clients.acceptsMetadataDocuments,
    });
  }

  // ---- authorization: GET /oauth/authorize, then the sign-in and consent forms ----

  async #authorize(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const params = new URL(req.url ?? "/", "http://x").searchParams;
    let checked: { client: OAuthClient; pending: PendingAuthorization };
    try {
      checked = await checkAuthorizationRequest(params, {
        clients: this.#clients,
        scopesSupported: this.#options.scopesSupported,
        defaultScopes: this.#options.defaultScopes ?? this.#options.scopesSupported ?? [],
        resource: (requested) => this.#resource(requested),
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
    const userId = await this.#signedInUser(req);
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

  async #submitSignIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await this.#readPageForm(req, res);
    if (!form) return;
    const found = await this.#pendingOf(res, form);
    if (!found) return;
    const { client, pending } = found;
    const address = this.#clientAddress(req);
    const account = form.get("username")?.trim().toLowerCase() || undefined;
    const wait = this.#throttle.begin(account, address);
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60);
      return this.#showSignIn(req, res, client, pending, {
        status: 429,
        headers: { "retry-after": String(wait) },
        error: `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`,
        previous: form,
      });
    }
    const result = await this.#signIn.verify(form);
    if (!result.ok) {
      if (result.account && result.account !== account) this.#throttle.fail(result.account);
      // 200: the page is the answer, showing what went wrong (browsers log a 4xx as an error).
      return this.#showSignIn(req, res, client, pending, {
        status: 200,
        error: result.message,
        previous: form,
      });
    }
    this.#throttle.succeeded(account, address);
    const sealer = await this.#sealer$();
    const session = sealer.seal(
      "session",
      { uid: result.userId },
      this.#lifetimes.signInSession * 1000,
    );
    res.setHeader(
      "set-cookie",
      cookie(
        this.#cookieName(SESSION_COOKIE),
        session,
        this.#lifetimes.signInSession,
        this.#secure(),
      ),
    );
    return this.#continueAs(req, res, client, result.userId, { ...pending, prompt: undefined });
  }

  async #submitConsent(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await this.#readPageForm(req, res);
    if (!form) return;
    const found = await this.#pendingOf(res, form);
    if (!found) return;
    const { client, pending } = found;
    const userId = await this.#signedInUser(req);
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
    const previous = await this.#store.getConsent(userId, pending.clientId);
    await this.#store.saveConsent({
      userId,
      clientId: pending.clientId,
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
      const user = await this.#store.getUser(userId);
      const csrf = await this.#csrf(req, res);
      const sealer = await this.#sealer$();
      this.#page(
        res,
        200,
        consentPage({
          serverName: this.#serverName(),
          clientName: client.name ?? client.id,
          redirectHost: redirectHostOf(pending.redirectUri),
          clientKind: client.source,
          clientId: client.id,
          loopbackRedirect: isLoopbackUrl(new URL(pending.redirectUri)),
          scopes: pending.scopes.map((name) => ({
            name,
            description: this.#options.scopeDescriptions?.[name],
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
    const consent = await this.#store.getConsent(userId, pending.clientId);
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
    await this.#store.createGrant(
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
        expiresAt: now + this.#lifetimes.authorizationCode * 1000,
        usedAt: null,
      },
    );
    const location = responseLocation(pending.redirectUri, {
      code,
      state: pending.state,
      iss: this.issuer,
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
      iss: this.issuer,
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
    const csrf = await this.#csrf(req, res);
    const sealer = await this.#sealer$();
    const page = signInPage({
      serverName: this.#serverName(),
      clientName: client.name ?? client.id,
      request: sealer.seal("authorization", pending, PENDING_TTL_MS),
      csrf,
      fields: this.#signIn.fields(failure?.previous),
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
   * it fails the CSRF checks: the browser must say the post came from this origin (when
   * it says anything), and the form's token must match the browser's CSRF cookie.
   */
  async #readPageForm(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<URLSearchParams | undefined> {
    const form = await readForm(req);
    const origin = req.headers.origin;
    const site = req.headers["sec-fetch-site"];
    const nonce = readCookies(req).get(this.#cookieName(CSRF_COOKIE));
    const token = form.get("csrf");
    const sealer = await this.#sealer$();
    const sameOrigin =
      (origin === undefined || origin === this.issuer) &&
      (site === undefined || site === "same-origin" || site === "none");
    if (!sameOrigin || !nonce || !token || !sealer.verify("csrf", nonce, token)) {
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
    const sealer = await this.#sealer$();
    const pending = sealer.open("authorization", form.get("request")) as
      | PendingAuthorization
      | undefined;
    const client = pending && (await this.#clients.find(pending.clientId).catch(() => undefined));
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

  /** The CSRF token for this browser, setting its cookie when it has none. */
  async #csrf(req: IncomingMessage, res: ServerResponse): Promise<string> {
    let nonce = readCookies(req).get(this.#cookieName(CSRF_COOKIE));
    if (!nonce || !/^[A-Za-z0-9_-]{43}$/.test(nonce)) {
      nonce = randomBytes(32).toString("base64url");
      const cookies = res.getHeader("set-cookie");
      const next = cookie(this.#cookieName(CSRF_COOKIE), nonce, 86_400, this.#secure());
      res.setHeader(
        "set-cookie",
        cookies === undefined ? [next] : [...([] as string[]).concat(cookies as string), next],
      );
    }
    return (await this.#sealer$()).mac("csrf", nonce);
  }

  async #signedInUser(req: IncomingMessage): Promise<string | undefined> {
    const session = (await this.#sealer$()).open(
      "session",
      readCookies(req).get(this.#cookieName(SESSION_COOKIE)),
    ) as { uid?: unknown } | undefined;
    if (typeof session?.uid !== "string") return undefined;
    const user = await this.#store.getUser(session.uid);
    return user && !user.disabled ? user.id : undefined;
  }

  // ---- token, registration, revocation ----

  async #token(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const { client } = await this.#clients.authenticate(req, form);
    const response = await this.#tokenEndpoint.exchange(client, form);
    sendJson(res, 200, response, { "access-control-allow-origin": "*" });
  }

  async #register(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#options.dynamicRegistration === false) {
      req.resume();
      sendJson(res, 404, {
        error: "not_found",
        error_description: "Dynamic Client Registration is turned off",
      });
      return;
    }
    const wait = this.#registrations.begin(undefined, this.#clientAddress(req));
    if (wait > 0) {
      req.resume();
      sendJson(
        res,
        429,
        {
          error: "invalid_request",
          error_description: "Too many registrations from this address; try later",
        },
        { "retry-after": String(wait), "access-control-allow-origin": "*" },
      );
      return;
    }
    const body = await readJsonObject(req);
    const registered = await registerClient(this.#store, body);
    sendJson(res, 201, registered, { "access-control-allow-origin": "*" });
  }

  async #revoke(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const form = await readForm(req);
    const { client } = await this.#clients.authenticate(req, form);
    const token = form.get("token");
    if (!token) throw new OAuthError("invalid_request", "token is required");
    const refresh = await this.#store.findRefreshToken(sha256Hex(token));
    let grantId: string | undefined;
    if (refresh) {
      grantId = refresh.grantId;
    } else {
      const claims = await this.#tokens.claims(token);
      if (claims) grantId = claims.sid;
    }
    const grant = grantId === undefined ? undefined : await this.#store.getGrant(grantId);
    // Unknown tokens (RFC 7009 2.2) and other clients' tokens answer 200 and change nothing:
    // refusing the latter would tell a client that someone else's token exists.
    if (grant && grant.clientId === client.id) {
      await this.#store.revokeGrant(grant.id, Date.now());
      this.#tokens.forget();
    }
    res.writeHead(200, {
      "cache-control": "no-store",
      "access-control-allow-origin": "*",
      "content-length": 0,
    });
    res.end();
  }

  // ---- helpers ----

  #resource(requested: string | undefined): string {
    const known = this.#options.resources ?? this.#resources;
    if (requested === undefined) {
      if (known.length === 1) return known[0]!;
      throw new OAuthError("invalid_target", "Name the resource (RFC 8707 resource parameter)");
    }
    let url: URL;
    try {
      url = new URL(requested);
    } catch {
      throw new OAuthError("invalid_target", "resource must be an absolute URL");
    }
    if (url.hash) throw new OAuthError("invalid_target", "resource must not have a fragment");
    const canonical = (value: string) => canonicalResource(value);
    const match = known.find((resource) => canonical(resource) === canonical(url.href));
    // A loopback server answers to every loopback name; the token is for the one asked for.
    if (!match)
      throw new OAuthError("invalid_target", `This server issues no tokens for ${requested}`);
    if (!isLoopbackUrl(url)) return match;
    const named = new URL(match);
    named.hostname = url.hostname;
    return named.href;
  }

  #serverName(): string {
    return this.#options.serverName ?? new URL(this.issuer).host;
  }

  #clientAddress(req: IncomingMessage): string {
    return clientAddress(req, this.#options.trustProxy ?? 0);
  }

  /** On https, `__Host-` names: no sibling subdomain can set or shadow them. */
  #cookieName(base: string): string {
    return this.#secure() ? `__Host-${base}` : base;
  }

  #secure(): boolean {
    return this.issuer.startsWith("https:");
  }

  #sealer$(): Promise<Sealer> {
    this.#sealer ??= this.#store
      .ensureSecret("authorization-server-sealing", randomBytes(32).toString("base64url"))
      .then((secret) => new Sealer(Buffer.from(secret, "base64url")));
    return this.#sealer;
  }

  #startPurging(): void {
    if (this.#purgeTimer) return;
    this.#purgeTimer = setInterval(() => {
      this.#store.purgeExpired(Date.now() - 86_400_000).catch(() => {});
    }, PURGE_INTERVAL_MS);
    this.#purgeTimer.unref();
  }
}

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_NAMES.has(url.hostname);
}

/** A resource URL compared without a trailing slash, with every loopback name as one. */
function canonicalResource(value: string): string {
  const url = new URL(value);
  const host = isLoopbackUrl(url) ? `loopback:${url.port}` : url.host;
  return `${url.protocol}//${host}${url.pathname.replace(/\/$/, "")}${url.search}`;
}

function redirectHostOf(redirectUri: string): string {
  const url = new URL(redirectUri);
  return url.host || url.protocol;
}
