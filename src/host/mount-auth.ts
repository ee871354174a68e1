import { decodeJwt } from "jose";
import { externalIssuer } from "../auth/external-issuer.js";
import { ResourceServer, type ResourceServerOptions } from "../auth/resource-server.js";
import type { AuthorizationServer } from "../auth/server/authorization-server.js";
import { missingScopes, type Principal } from "../engine/context.js";
import type { Server } from "../engine/server.js";
import { InsufficientScopeError, UnauthorizedError } from "../errors.js";
import type { AuthStore } from "../store/types.js";
import type { MountConfig } from "./config/define-config.js";
import { resolvedAuth } from "./config/validate.js";

/** What the mounts' authorization is built from: the host's store and built-in server. */
export interface MountAuthSources {
  store: AuthStore | undefined;
  oauth: AuthorizationServer | undefined;
}

/**
 * A resource server that also requires `scopes` of every caller: one without them is
 * refused with 403 insufficient_scope before anything is read.
 */
class ScopedResourceServer extends ResourceServer {
  readonly #required: readonly string[];

  constructor(options: ResourceServerOptions, required: readonly string[]) {
    super(options);
    this.#required = required;
  }

  override authenticate(
    authorization: string | undefined,
    resource: string,
  ): Principal | Promise<Principal> {
    const principal = super.authenticate(authorization, resource);
    return principal instanceof Promise
      ? principal.then((known) => this.#check(known))
      : this.#check(principal);
  }

  #check(principal: Principal): Principal {
    if (missingScopes(principal, this.#required).length > 0)
      throw new InsufficientScopeError("this server", this.#required);
    return principal;
  }
}

/** A store that knows no API keys, for mounts that accept none. */
const NO_KEYS: ResourceServerOptions["store"] = {
  findApiKeyByHash: async () => undefined,
  touchApiKey: async () => {},
  getUser: async () => undefined,
};

/**
 * The resource server of one mount, from its `auth` config; undefined for `"none"`.
 * Bearer tokens go to the issuer their `iss` claim names: the built-in authorization
 * server or one of the configured identity providers.
 */
export function mountResourceServer(
  mount: MountConfig,
  server: Server,
  sources: MountAuthSources,
): ResourceServer | undefined {
  const auth = resolvedAuth(mount.auth);
  if (!auth) return undefined;
  const issuers =
    typeof mount.auth === "object" ? (mount.auth.issuers ?? []).map(externalIssuer) : [];
  const oauth = auth.oauth ? sources.oauth : undefined;
  if (auth.oauth && !oauth) throw new Error("The built-in authorization server is not running");
  if (auth.apiKeys && !sources.store) throw new Error("API keys need the auth store");
  const builtin = oauth?.resourceServer();
  const verifyToken = (token: string, resource: string): Principal | Promise<Principal> => {
    let issuer: unknown;
    try {
      issuer = decodeJwt(token).iss;
    } catch {
      throw new UnauthorizedError("The bearer token is not valid here", "invalid_token");
    }
    if (builtin && oauth && issuer === oauth.issuer)
      return builtin.authenticate(`Bearer ${token}`, resource);
    const external = issuers.find((candidate) => candidate.issuer === issuer);
    if (external) return external.verify(token, resource);
    throw new UnauthorizedError("The token's issuer is not accepted here", "invalid_token");
  };
  const scopes = [...new Set([...auth.scopes, ...server.declaredScopes()])].sort();
  const options: ResourceServerOptions = {
    store: auth.apiKeys && sources.store ? sources.store : NO_KEYS,
    authorizationServers: () => [
      ...(oauth ? [oauth.issuer] : []),
      ...issuers.map((candidate) => candidate.issuer),
    ],
    resourceName: server.info.title ?? server.info.name,
    ...(scopes.length > 0 ? { scopesSupported: scopes } : {}),
    ...(oauth || issuers.length > 0 ? { verifyToken } : {}),
  };
  return auth.scopes.length > 0
    ? new ScopedResourceServer(options, auth.scopes)
    : new ResourceServer(options);
}

/** How a mount lets callers in, for the `GET /` listing: `none`, `oauth`, `api-key`, … */
export function authLabel(mount: MountConfig): string {
  const auth = resolvedAuth(mount.auth);
  if (!auth) return "none";
  const kinds: string[] = [];
  if (auth.oauth || auth.issuers > 0) kinds.push("oauth");
  if (auth.apiKeys) kinds.push("api-key");
  return kinds.join("+");
}
