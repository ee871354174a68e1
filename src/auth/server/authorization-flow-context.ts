import type { IncomingMessage } from "node:http";
import type { AuthStore } from "../../store/types.js";
import type { ClientDirectory } from "./clients.js";
import type { AuthEvent } from "./events.js";
import type { Sealer } from "./sealed.js";
import type { SignInStep } from "./sign-in-step.js";
import type { SignInThrottle } from "./throttle.js";

/** What an `AuthorizationFlow` needs from the authorization server it runs in. */
export interface AuthorizationFlowContext {
  /** Users, consents and grants. */
  store: AuthStore;
  /** The clients that may ask for authorization. */
  clients: ClientDirectory;
  /** How users sign in. */
  signIn: SignInStep;
  /** Limits on failed sign-ins. */
  throttle: SignInThrottle;
  /** Lifetimes, in seconds. */
  lifetimes: { authorizationCode: number; signInSession: number };
  /** The server's name and scopes, as configured. */
  options: {
    serverName?: string;
    scopesSupported?: string[];
    defaultScopes?: string[];
    scopeDescriptions?: Record<string, string>;
  };
  /** The issuer URL; a function because `serveHttp` may set it after construction. */
  issuer: () => string;
  /** The sealer of pending requests, sign-in sessions and CSRF tokens. */
  sealer: () => Promise<Sealer>;
  /** The resource a token is for (RFC 8707), from the one the client asked for. */
  resource: (requested: string | undefined) => string;
  /** The client's address, which sign-in throttling counts by. */
  clientAddress: (req: IncomingMessage) => string;
  /** Told of every sign-in attempt. */
  events?: (event: AuthEvent) => void;
}
