import { randomUUID } from "node:crypto";
import { decodeProtectedHeader, errors, jwtVerify, SignJWT } from "jose";
import type { Principal } from "../../engine/context.js";
import { UnauthorizedError } from "../../errors.js";
import type { AuthStore, GrantRecord } from "../../store/types.js";
import { setBounded } from "../bounded-map.js";
import { SIGNING_ALG, type SigningKeys } from "./signing-keys.js";

/** The media type of JWT access tokens (RFC 9068), in the `typ` header. */
const ACCESS_TOKEN_TYPE = "at+jwt";

/** Verified tokens remembered, so a client's repeated calls skip the signature check. */
const CACHE_LIMIT = 10_000;

/** The claims Berth puts in an access token. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  client_id: string;
  scope: string;
  /** The grant the token belongs to: revoking the grant ends the token. */
  sid: string;
  exp: number;
  iat: number;
  jti: string;
}

interface Verified {
  token: string;
  claims: AccessTokenClaims;
  /** The caller, once the grant and user were read; with the store version read at. */
  principal?: Principal;
  version?: number;
}

/**
 * Access tokens are JWTs (RFC 9068) signed by the {@link SigningKeys}, carrying the user,
 * client, scopes, resource (`aud`) and grant (`sid`). Verification checks the signature,
 * issuer, audience and expiry, then that the grant is not revoked and the user not
 * disabled, so revocation takes effect on the next request.
 */
export class AccessTokens {
  readonly #keys: SigningKeys;
  readonly #store: Pick<AuthStore, "getGrant" | "getUser" | "version">;
  readonly #issuer: () => string;
  readonly #lifetimeSeconds: number;
  readonly #cache = new Map<string, Verified>();

  constructor(
    keys: SigningKeys,
    store: Pick<AuthStore, "getGrant" | "getUser" | "version">,
    issuer: () => string,
    lifetimeSeconds: number,
  ) {
    this.#keys = keys;
    this.#store = store;
    this.#issuer = issuer;
    this.#lifetimeSeconds = lifetimeSeconds;
  }

  /** How long tokens live, in seconds. */
  get lifetimeSeconds(): number {
    return this.#lifetimeSeconds;
  }

  /** A signed access token for `grant`, with `scopes` (a subset of the grant's). */
  async mint(grant: GrantRecord, scopes: readonly string[]): Promise<string> {
    const { kid, privateKey } = await this.#keys.signer();
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ client_id: grant.clientId, scope: scopes.join(" "), sid: grant.id })
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(this.#issuer())
      .setSubject(grant.userId)
      .setAudience(grant.resource)
      .setIssuedAt(now)
      .setExpirationTime(now + this.#lifetimeSeconds)
      .setJti(randomUUID())
      .sign(privateKey);
  }

  /**
   * The claims of a token this server signed, whatever its audience, or undefined when it
   * is not one (bad signature, expired, malformed). For revocation, where the token is
   * not being used to call anything.
   */
  async claims(token: string): Promise<AccessTokenClaims | undefined> {
    try {
      return await this.#verifySignature(token, undefined);
    } catch {
      return undefined;
    }
  }

  /**
   * The caller a token stands for, when it is valid for `resource`. Throws
   * {@link UnauthorizedError} (`invalid_token`) otherwise.
   */
  verify(token: string, resource: string): Principal | Promise<Principal> {
    // Looked up by the signature's tail (hashing a short string is cheaper), and taken only
    // when the whole token is the same: a forged token reusing a real signature misses.
    let verified = this.#cache.get(cacheKey(token));
    if (verified && verified.token !== token) verified = undefined;
    const now = Date.now() / 1000;
    if (verified && (verified.claims.exp <= now || verified.claims.aud !== resource)) {
      verified = undefined;
    }
    // The grant and user were read at this store version and nothing changed since.
    const version = this.#store.version();
    if (verified?.principal && verified.version === version) return verified.principal;
    return this.#verify(token, resource, verified, version);
  }

  async #verify(
    token: string,
    resource: string,
    known: Verified | undefined,
    version: number,
  ): Promise<Principal> {
    let verified = known;
    if (!verified) {
      let claims: AccessTokenClaims;
      try {
        claims = await this.#verifySignature(token, resource);
      } catch (error) {
        throw new UnauthorizedError(explain(error), "invalid_token", { cause: error });
      }
      verified = { token, claims };
    }
    const grant = await this.#store.getGrant(verified.claims.sid);
    if (!grant || grant.revokedAt !== null)
      throw new UnauthorizedError("The access token has been revoked", "invalid_token");
    const user = await this.#store.getUser(grant.userId);
    if (!user || user.disabled)
      throw new UnauthorizedError("The token's user is disabled", "invalid_token");
    verified.principal = Object.freeze({
      subject: verified.claims.sub,
      name: user.displayName ?? user.username,
      scopes: Object.freeze(verified.claims.scope ? verified.claims.scope.split(" ") : []),
      clientId: verified.claims.client_id,
      via: "bearer",
    });
    verified.version = version;
    this.#remember(token, verified);
    return verified.principal;
  }

  /** Forget cached verifications (after a revocation in this process). */
  forget(token?: string): void {
    if (token === undefined) this.#cache.clear();
    else this.#cache.delete(cacheKey(token));
  }

  async #verifySignature(token: string, resource: string | undefined): Promise<AccessTokenClaims> {
    const { kid } = decodeProtectedHeader(token);
    const key = await this.#keys.publicKey(kid);
    if (!key) throw new UnauthorizedError("The access token was signed by an unknown key");
    const { payload } = await jwtVerify(token, key, {
      issuer: this.#issuer(),
      ...(resource === undefined ? {} : { audience: resource }),
      algorithms: [SIGNING_ALG],
      typ: ACCESS_TOKEN_TYPE,
      requiredClaims: ["sub", "exp", "sid", "client_id"],
    });
    if (typeof payload["sid"] !== "string" || typeof payload["client_id"] !== "string")
      throw new UnauthorizedError("The access token is malformed");
    return payload as unknown as AccessTokenClaims;
  }

  #remember(token: string, verified: Verified): void {
    const key = cacheKey(token);
    if (this.#cache.get(key) === verified) return;
    setBounded(this.#cache, key, verified, CACHE_LIMIT);
  }
}

/** The last 32 characters: part of the signature, as good as random. */
function cacheKey(token: string): string {
  return token.slice(-32);
}

function explain(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "The access token has expired";
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === "aud")
    return "The access token was issued for another resource";
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === "iss")
    return "The access token was issued by another authorization server";
  if (error instanceof UnauthorizedError) return error.message;
  return "The access token is not valid";
}
