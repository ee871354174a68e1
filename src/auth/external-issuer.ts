import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import type { Principal } from "../engine/context.js";
import { UnauthorizedError } from "../errors.js";

/** An identity provider whose JWT access tokens a Berth resource server accepts. */
export interface ExternalIssuerOptions {
  /** The `iss` the tokens carry, exactly. */
  issuer: string;
  /** Where its keys are; default: the `jwks_uri` of its metadata (RFC 8414, then OpenID discovery). */
  jwksUri?: string;
  /** Accepted `aud` values; default: the resource URL being called. */
  audience?: string | string[];
  /** Accepted algorithms (default RS256, ES256, EdDSA, PS256). */
  algorithms?: string[];
  /** The claim holding scopes: a space-separated string or an array (default `scope`, then `scp`). */
  scopeClaim?: string;
  /** After fetching the JWKS, wait this long before fetching it again for an unknown key (default 30). */
  refetchCooldownSeconds?: number;
  /** The claim holding a display name (default `name`, then `preferred_username`). */
  nameClaim?: string;
}

/** A verifier of JWT access tokens from one external issuer. */
export interface ExternalIssuer {
  readonly issuer: string;
  /** The caller a token stands for, or {@link UnauthorizedError}. */
  verify(token: string, resource: string): Promise<Principal>;
}

const DEFAULT_ALGORITHMS = ["RS256", "ES256", "EdDSA", "PS256"];

/**
 * Accept JWT access tokens from an organisation's identity provider. Keys come from its
 * JWKS, cached and fetched again when a token names a key id not seen yet (the provider
 * rotated). Issuer, audience, expiry and signature are checked; scopes come from the
 * `scope` or `scp` claim.
 *
 * @example
 * const okta = externalIssuer({ issuer: "https://example.okta.com/oauth2/default" });
 * const auth = new ResourceServer({ store, authorizationServers: [okta.issuer], verifyToken: okta.verify });
 */
export function externalIssuer(options: ExternalIssuerOptions): ExternalIssuer {
  let keys: ReturnType<typeof createRemoteJWKSet> | undefined;
  let discovering: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;
  const keySet = async () => {
    if (keys) return keys;
    discovering ??= (async () => {
      const uri = options.jwksUri ?? (await discoverJwksUri(options.issuer));
      keys = createRemoteJWKSet(new URL(uri), {
        cooldownDuration: (options.refetchCooldownSeconds ?? 30) * 1000,
      });
      return keys;
    })().finally(() => {
      discovering = undefined;
    });
    return discovering;
  };
  return {
    issuer: options.issuer,
    async verify(token: string, resource: string): Promise<Principal> {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, await keySet(), {
          issuer: options.issuer,
          audience: options.audience ?? resource,
          algorithms: options.algorithms ?? DEFAULT_ALGORITHMS,
          requiredClaims: ["sub", "exp"],
        }));
      } catch (error) {
        throw new UnauthorizedError(explain(error), "invalid_token", { cause: error });
      }
      const name = payload[options.nameClaim ?? "name"] ?? payload["preferred_username"];
      return {
        subject: payload["sub"] as string,
        ...(typeof name === "string" ? { name } : {}),
        scopes: scopesOf(payload, options.scopeClaim),
        ...(typeof payload["client_id"] === "string" ? { clientId: payload["client_id"] } : {}),
        via: "bearer",
      };
    },
  };
}

function scopesOf(payload: Record<string, unknown>, claim: string | undefined): string[] {
  const value = claim ? payload[claim] : (payload["scope"] ?? payload["scp"]);
  if (typeof value === "string") return value.split(" ").filter(Boolean);
  if (Array.isArray(value))
    return value.filter((scope): scope is string => typeof scope === "string");
  return [];
}

async function discoverJwksUri(issuer: string): Promise<string> {
  const base = issuer.replace(/\/$/, "");
  const url = new URL(issuer);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  const candidates = [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}/.well-known/openid-configuration${path}`,
    `${base}/.well-known/openid-configuration`,
  ];
  for (const candidate of candidates) {
    const response = await fetch(candidate, { headers: { accept: "application/json" } }).catch(
      () => undefined,
    );
    if (!response?.ok) continue;
    const metadata = (await response.json().catch(() => undefined)) as
      | { issuer?: unknown; jwks_uri?: unknown }
      | undefined;
    if (metadata?.issuer === issuer && typeof metadata.jwks_uri === "string")
      return metadata.jwks_uri;
  }
  throw new UnauthorizedError(
    `Cannot find the keys of ${issuer}: no metadata names its jwks_uri; configure jwksUri`,
    "invalid_token",
  );
}

function explain(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "The access token has expired";
  if (error instanceof errors.JWTClaimValidationFailed)
    return `The access token's ${error.claim} claim is not accepted here`;
  if (error instanceof UnauthorizedError) return error.message;
  return "The access token is not valid";
}
