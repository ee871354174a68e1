import type { IncomingMessage, ServerResponse } from "node:http";
import type { AuthStore } from "../../store/types.js";
import { ResourceServer, type ResourceServerOptions } from "../resource-server.js";
import { randomToken, sha256Hex } from "../secrets.js";
import { AccessTokens } from "./access-tokens.js";
import { AuthorizationFlow } from "./authorization-flow.js";
import { ClientMetadataDocuments } from "./client-metadata-document.js";
import { ClientDirectory } from "./clients.js";
import type { AuthEvent } from "./events.js";
import { clientAddress, readForm, readJsonObject, sendJson, sendOAuthError } from "./http-io.js";
import { authorizationServerMetadata, ENDPOINTS } from "./metadata.js";
import { OAuthError } from "./oauth-error.js";
import type { AuthorizationServerLifetimes, AuthorizationServerOptions } from "./options.js";
import { registerClient } from "./registration.js";
import { isLoopbackUrl, resolveResource } from "./resources.js";
import { Sealer } from "./sealed.js";
import { PasswordSignIn } from "./sign-in-step.js";
import { SigningKeys } from "./signing-keys.js";
import { SignInThrottle } from "./throttle.js";
import { TokenEndpoint, tokenEvent } from "./token-endpoint.js";

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
  readonly #flow: AuthorizationFlow;
  /** Counts registrations per address (every one counts, as a sign-in failure would). */
  readonly #registrations: SignInThrottle;
  readonly #lifetimes: Required<AuthorizationServerLifetimes>;
  #issuer: string | undefined;
  #resources: string[] = [];
  #sealer: Promise<Sealer> | undefined;
  #purgeTimer: NodeJS.Timeout | undefined;
  readonly #events: (event: AuthEvent) => void;

  constructor(options: AuthorizationServerOptions) {
    this.#options = options;
    const listener = options.events;
    const events = (event: AuthEvent) => {
      try {
        listener?.(event);
      } catch {
        // An audit listener's failure must not fail a sign-in or a token request.
      }
    };
    this.#events = events;
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
      unusedClient: lifetimes.unusedClient ?? 30 * 86_400,
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
      events,
    });
    this.#flow = new AuthorizationFlow({
      store: this.#store,
      clients: this.#clients,
      signIn: options.signIn ?? new PasswordSignIn(this.#store),
      throttle: new SignInThrottle(options.throttle),
      lifetimes: this.#lifetimes,
      options,
      issuer: () => this.issuer,
      sealer: () => this.#sealer$(),
      resource: (requested) => this.#resource(requested),
      clientAddress: (req) => this.#clientAddress(req),
      events,
    });
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
    if (url.protocol !== "https:" && !isLoopbackUrl(url))
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
        if (expect("GET", false)) await this.#flow.authorize(req, res);
        return;
      case ENDPOINTS.signIn:
        if (expect("POST")) await this.#flow.submitSignIn(req, res);
        return;
      case ENDPOINTS.consent:
        if (expect("POST")) await this.#flow.submitConsent(req, res);
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
      if (grant.revokedAt === null) this.#events(tokenEvent("revoked", grant, "requested"));
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
    return resolveResource(requested, this.#options.resources ?? this.#resources);
  }

  #clientAddress(req: IncomingMessage): string {
    return clientAddress(req, this.#options.trustProxy ?? 0);
  }

  #sealer$(): Promise<Sealer> {
    this.#sealer ??= this.#store
      .ensureSecret("authorization-server-sealing", randomToken())
      .then((secret) => new Sealer(Buffer.from(secret, "base64url")));
    return this.#sealer;
  }

  #startPurging(): void {
    if (this.#purgeTimer) return;
    this.#purgeTimer = setInterval(() => {
      const now = Date.now();
      this.#store.purgeExpired(now - 86_400_000).catch(() => {});
      this.#store.purgeUnusedClients(now - this.#lifetimes.unusedClient * 1000).catch(() => {});
    }, PURGE_INTERVAL_MS);
    this.#purgeTimer.unref();
  }
}
