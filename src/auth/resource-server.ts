import type { Principal } from "../engine/context.js";
import type { JsonObject } from "../engine/types.js";
import { InsufficientScopeError, UnauthorizedError } from "../errors.js";
import type { ApiKeyStore, AuthStore, UserStore } from "../store/types.js";
import { hashApiKey, isApiKey } from "./api-key.js";
import { setBounded } from "./bounded-map.js";
import { bearerChallenge } from "./challenge.js";

/** Options of a {@link ResourceServer}. */
export interface ResourceServerOptions {
  /** Where API keys and their owners are looked up. */
  store: Pick<ApiKeyStore, "findApiKeyByHash" | "touchApiKey"> &
    Pick<UserStore, "getUser"> &
    Partial<Pick<AuthStore, "version">>;
  /** Authorization servers named in the protected-resource metadata (or a function giving them). */
  authorizationServers?: string[] | (() => string[]);
  /** Scopes named in the metadata and in challenges to unauthenticated clients. */
  scopesSupported?: string[];
  /** A human name for this resource. */
  resourceName?: string;
  /** Verify a bearer token that is not an API key (JWT access tokens); refused when absent. */
  verifyToken?: (token: string, resource: string) => Principal | Promise<Principal>;
  /** Record a key's use at most this often, in milliseconds (default one minute). */
  touchIntervalMs?: number;
}

/** Most keys remembered at once. */
const KNOWN_LIMIT = 10_000;

interface KnownKey {
  principal: Principal;
  id: string;
  expiresAt: number | null;
  lastUsedAt: number | null;
  version: number;
}

/** `Bearer <credential>` or `Key <credential>` (scheme in any case), or undefined. */
function parseAuthorization(
  header: string,
): { scheme: "bearer" | "key"; credential: string } | undefined {
  const space = header.indexOf(" ");
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  if (scheme !== "bearer" && scheme !== "key") return undefined;
  const credential = header.slice(space + 1).trim();
  // Tokens are one word; a scan for blanks is cheaper than a regular expression over a JWT.
  if (!credential || credential.includes(" ") || credential.includes("\t")) return undefined;
  return { scheme, credential };
}

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
  /** Keys seen, with the store version they were read at. */
  readonly #known = new Map<string, KnownKey>();
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
  authenticate(
    authorization: string | undefined,
    resource: string,
  ): Principal | Promise<Principal> {
    try {
      return this.#authenticate(authorization, resource);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #authenticate(
    authorization: string | undefined,
    resource: string,
  ): Principal | Promise<Principal> {
    if (!authorization)
      throw new UnauthorizedError("Authorization required: send a bearer token or an API key");
    const parsed = parseAuthorization(authorization);
    if (!parsed) {
      throw new UnauthorizedError(
        "The Authorization header must be 'Bearer <token>' or 'Key <api key>'",
        "invalid_request",
      );
    }
    const { scheme, credential } = parsed;
    if (scheme === "key" || isApiKey(credential)) return this.#apiKey(credential);
    if (!this.#options.verifyToken)
      throw new UnauthorizedError("The bearer token is not valid here", "invalid_token");
    return this.#options.verifyToken(credential, resource);
  }

  /**
   * The `WWW-Authenticate` header refusing `error` at `resource`, pointing at its metadata:
   * the scopes this server supports for a 401, the scopes needed for a 403
   * `insufficient_scope`; undefined for any other error.
   */
  challenge(error: unknown, resource: string): Record<string, string> | undefined {
    const url = new URL(resource);
    const resourceMetadata = `${url.origin}${protectedResourceMetadataPath(url)}`;
    if (error instanceof UnauthorizedError) {
      const scope = this.scopesSupported;
      return {
        "www-authenticate": bearerChallenge({
          resourceMetadata,
          ...(scope.length > 0 ? { scope } : {}),
          ...(error.oauthError ? { error: error.oauthError, errorDescription: error.message } : {}),
        }),
      };
    }
    if (error instanceof InsufficientScopeError) {
      return {
        "www-authenticate": bearerChallenge({
          resourceMetadata,
          scope: error.requiredScopes,
          error: "insufficient_scope",
          errorDescription: error.message,
        }),
      };
    }
    return undefined;
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

  #apiKey(key: string): Principal | Promise<Principal> {
    const now = Date.now();
    // What a key stands for is kept until the store changes (see AuthStore.version), so
    // a revocation or a disabled owner still counts from the next request on.
    const version = this.#options.store.version?.();
    const known = version === undefined ? undefined : this.#known.get(key);
    if (known && known.version === version && (known.expiresAt === null || known.expiresAt > now)) {
      this.#touch(known.id, known.lastUsedAt, now);
      return known.principal;
    }
    return this.#lookUpApiKey(key, now, version);
  }

  async #lookUpApiKey(key: string, now: number, version: number | undefined): Promise<Principal> {
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
    const principal: Principal = Object.freeze({
      subject: owner.id,
      name: owner.displayName ?? owner.username,
      scopes: Object.freeze([...record.scopes]),
      keyId: record.id,
      via: "api-key",
    });
    if (version !== undefined) {
      setBounded(
        this.#known,
        key,
        {
          principal,
          id: record.id,
          expiresAt: record.expiresAt,
          lastUsedAt: record.lastUsedAt,
          version,
        },
        KNOWN_LIMIT,
      );
    }
    this.#touch(record.id, record.lastUsedAt, now);
    return principal;
  }

  #touch(id: string, lastUsedAt: number | null, now: number): void {
    const last = this.#touched.get(id) ?? lastUsedAt ?? 0;
    if (now - last >= this.#touchIntervalMs) {
      this.#touched.set(id, now);
      // Last-used is bookkeeping: a failed write must not fail the request.
      this.#options.store.touchApiKey(id, now).catch(() => {});
    }
  }
}
