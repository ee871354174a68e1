import type { Principal } from "../engine/context.js";
import type { JsonObject } from "../engine/types.js";
import { UnauthorizedError } from "../errors.js";
import type { ApiKeyStore, UserStore } from "../store/types.js";
import { hashApiKey, isApiKey } from "./api-key.js";

/** Options of a {@link ResourceServer}. */
export interface ResourceServerOptions {
  /** Where API keys and their owners are looked up. */
  store: Pick<ApiKeyStore, "findApiKeyByHash" | "touchApiKey"> & Pick<UserStore, "getUser">;
  /** Authorization servers named in the protected-resource metadata (or a function giving them). */
  authorizationServers?: string[] | (() => string[]);
  /** Scopes named in the metadata and in challenges to unauthenticated clients. */
  scopesSupported?: string[];
  /** A human name for this resource. */
  resourceName?: string;
  /** Verify a bearer token that is not an API key (JWT access tokens); refused when absent. */
  verifyToken?: (token: string, resource: string) => Promise<Principal>;
  /** Record a key's use at most this often, in milliseconds (default one minute). */
  touchIntervalMs?: number;
}

const SCHEME = /^(Bearer|Key)\s+(\S+)\s*$/i;

/** Path of the protected-resource metadata of a resource URL (RFC 9728, section 3.1). */
export function protectedResourceMetadataPath(resource: URL): string {
  const path = resource.pathname === "/" ? "" : resource.pathname.replace(/\/$/, "");
  return `/.well-known/oauth-protected-resource${path}`;
}

/**
 * The resource-server side of authorization: turns the `Authorization` header of a request
 * into a {@link Principal}, and describes the resource (RFC 9728) so clients can find
 * where to get a token. Accepts `Authorization: Key <key>` and `Authorization: Bearer <key>`
 * for API keys, and bearer tokens through `verifyToken`.
 */
export class ResourceServer {
  readonly #options: ResourceServerOptions;
  readonly #touched = new Map<string, number>();
  readonly #touchIntervalMs: number;

  constructor(options: ResourceServerOptions) {
    this.#options = options;
    this.#touchIntervalMs = options.touchIntervalMs ?? 60_000;
  }

  /** Scopes named in challenges to clients that sent no credentials. */
  get scopesSupported(): readonly string[] {
    return this.#options.scopesSupported ?? [];
  }

  /**
   * The caller of a request with this `Authorization` header, for `resource` (the canonical
   * URL of the MCP endpoint). Throws {@link UnauthorizedError} when credentials are missing
   * or not valid.
   */
  async authenticate(authorization: string | undefined, resource: string): Promise<Principal> {
    if (!authorization)
      throw new UnauthorizedError("Authorization required: send a bearer token or an API key");
    const match = SCHEME.exec(authorization);
    if (!match) {
      throw new UnauthorizedError(
        "The Authorization header must be 'Bearer <token>' or 'Key <api key>'",
        "invalid_request",
      );
    }
    const scheme = match[1]!.toLowerCase();
    const credential = match[2]!;
    if (scheme === "key" || isApiKey(credential)) return this.#apiKey(credential);
    if (!this.#options.verifyToken)
      throw new UnauthorizedError("The bearer token is not valid here", "invalid_token");
    return this.#options.verifyToken(credential, resource);
  }

  /** The protected-resource metadata document (RFC 9728) for `resource`. */
  metadata(resource: string): JsonObject {
    const servers = this.#options.authorizationServers;
    const document: JsonObject = {
      resource,
      authorization_servers: typeof servers === "function" ? servers() : (servers ?? []),
      bearer_methods_supported: ["header"],
    };
    if (this.#options.scopesSupported) document["scopes_supported"] = this.#options.scopesSupported;
    if (this.#options.resourceName) document["resource_name"] = this.#options.resourceName;
    return document;
  }

  async #apiKey(key: string): Promise<Principal> {
    const now = Date.now();
    const record = await this.#options.store.findApiKeyByHash(hashApiKey(key));
    if (
      !record ||
      record.revokedAt !== null ||
      (record.expiresAt !== null && record.expiresAt <= now)
    ) {
      throw new UnauthorizedError("The API key is unknown, revoked or expired", "invalid_token");
    }
    const owner = await this.#options.store.getUser(record.ownerId);
    if (!owner || owner.disabled) {
      throw new UnauthorizedError("The API key's owner is disabled", "invalid_token");
    }
    const last = this.#touched.get(record.id) ?? record.lastUsedAt ?? 0;
    if (now - last >= this.#touchIntervalMs) {
      this.#touched.set(record.id, now);
      // Last-used is bookkeeping: a failed write must not fail the request.
      this.#options.store.touchApiKey(record.id, now).catch(() => {});
    }
    return {
      subject: owner.id,
      name: owner.displayName ?? owner.username,
      scopes: record.scopes,
      via: "api-key",
    };
  }
}
