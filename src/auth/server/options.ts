import type { AuthStore } from "../../store/types.js";
import type { ClientMetadataDocumentOptions } from "./client-metadata-document.js";
import type { PreRegisteredClient } from "./clients.js";
import type { AuthEvent } from "./events.js";
import type { SignInStep } from "./sign-in-step.js";
import type { SignInThrottleOptions } from "./throttle.js";

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
  /**
   * A client registered through Dynamic Client Registration that no user has signed in
   * with is deleted this long after it registered (default 30 days).
   */
  unusedClient?: number;
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
  /**
   * Told of sign-ins and of tokens issued, refreshed and revoked, for an audit log. Called
   * synchronously; whatever it throws is ignored.
   */
  events?: (event: AuthEvent) => void;
}
