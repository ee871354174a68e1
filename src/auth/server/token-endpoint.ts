import { createHash } from "node:crypto";
import type { AuthStore, GrantRecord } from "../../store/types.js";
import { randomToken, sha256Hex } from "../secrets.js";
import type { AccessTokens } from "./access-tokens.js";
import type { OAuthClient } from "./clients.js";
import type { AuthEvent } from "./events.js";
import { OAuthError } from "./oauth-error.js";

/** Lifetimes and windows of the token endpoint, in milliseconds. */
export interface TokenPolicy {
  refreshTokenMs: number;
  /** How long a rotated refresh token still works, for clients that refresh twice at once. */
  refreshGraceMs: number;
  /** Told of tokens issued, refreshed and revoked. */
  events?: (event: AuthEvent) => void;
}

/** The audit event of a token issued, refreshed or revoked from `grant`. */
export function tokenEvent(
  action: "issued" | "refreshed" | "revoked",
  grant: GrantRecord,
  reason?: "requested" | "code-reuse" | "refresh-reuse",
  scopes: readonly string[] = grant.scopes,
): AuthEvent {
  return {
    type: "token",
    action,
    ...(reason ? { reason } : {}),
    clientId: grant.clientId,
    userId: grant.userId,
    grantId: grant.id,
    scopes,
  };
}

/** The token response (RFC 6749 5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  refresh_token: string;
  scope: string;
}

/** RFC 7636 4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/**
 * The token endpoint's grants: `authorization_code` (with PKCE) and `refresh_token`
 * (rotated on every use). Every refusal is checked before anything is written, except
 * the two that must write: a replayed code and a refresh token reused after the grace
 * window revoke their grant, and every token issued from it.
 */
export class TokenEndpoint {
  readonly #store: AuthStore;
  readonly #tokens: AccessTokens;
  readonly #policy: TokenPolicy;

  constructor(store: AuthStore, tokens: AccessTokens, policy: TokenPolicy) {
    this.#store = store;
    this.#tokens = tokens;
    this.#policy = policy;
  }

  /** Answer a token request from an authenticated client. */
  async exchange(client: OAuthClient, form: URLSearchParams): Promise<TokenResponse> {
    const grantType = form.get("grant_type");
    if (grantType === "authorization_code") return this.#authorizationCode(client, form);
    if (grantType === "refresh_token") return this.#refresh(client, form);
    if (grantType === null) throw new OAuthError("invalid_request", "grant_type is required");
    throw new OAuthError(
      "unsupported_grant_type",
      `grant_type '${grantType}' is not supported; use authorization_code or refresh_token`,
    );
  }

  async #authorizationCode(client: OAuthClient, form: URLSearchParams): Promise<TokenResponse> {
    const code = form.get("code");
    const verifier = form.get("code_verifier");
    if (!code) throw new OAuthError("invalid_request", "code is required");
    if (!verifier) throw new OAuthError("invalid_request", "PKCE is required: send code_verifier");
    if (!VERIFIER.test(verifier))
      throw new OAuthError(
        "invalid_grant",
        "code_verifier must be 43 to 128 unreserved characters",
      );
    const hash = sha256Hex(code);
    const now = Date.now();
    const record = await this.#store.findAuthorizationCode(hash);
    if (!record) throw new OAuthError("invalid_grant", "The authorization code is not valid");
    const grant = await this.#store.getGrant(record.grantId);
    if (!grant || grant.clientId !== client.id)
      throw new OAuthError("invalid_grant", "The authorization code was issued to another client");
    if (record.usedAt !== null) return this.#replayed(grant);
    if (record.expiresAt <= now)
      throw new OAuthError("invalid_grant", "The authorization code has expired");
    if (grant.revokedAt !== null)
      throw new OAuthError("invalid_grant", "The grant has been revoked");
    const redirectUri = form.get("redirect_uri");
    if (redirectUri !== null && redirectUri !== record.redirectUri)
      throw new OAuthError("invalid_grant", "redirect_uri differs from the authorization request");
    this.#checkResource(form, grant);
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    if (challenge !== record.codeChallenge)
      throw new OAuthError("invalid_grant", "code_verifier does not match the code_challenge");
    await this.#assertUserActive(grant);
    const used = await this.#store.useAuthorizationCode(hash, now);
    // Two exchanges raced: the loser is a replay.
    if (!used || used.code.usedAt !== null) return this.#replayed(grant);
    const issued = await this.#issue(grant, grant.scopes, now);
    this.#policy.events?.(tokenEvent("issued", grant));
    return issued;
  }

  async #replayed(grant: GrantRecord): Promise<never> {
    await this.#store.revokeGrant(grant.id, Date.now());
    if (grant.revokedAt === null) this.#policy.events?.(tokenEvent("revoked", grant, "code-reuse"));
    throw new OAuthError(
      "invalid_grant",
      "The authorization code was already used; every token issued from it is revoked",
    );
  }

  async #refresh(client: OAuthClient, form: URLSearchParams): Promise<TokenResponse> {
    const token = form.get("refresh_token");
    if (!token) throw new OAuthError("invalid_request", "refresh_token is required");
    const hash = sha256Hex(token);
    const record = await this.#store.findRefreshToken(hash);
    const grant = record && (await this.#store.getGrant(record.grantId));
    if (!record || !grant || grant.clientId !== client.id)
      throw new OAuthError("invalid_grant", "The refresh token is not valid");
    const scope = form.get("scope");
    let scopes = grant.scopes;
    if (scope !== null) {
      scopes = [...new Set(scope.split(" ").filter(Boolean))];
      const extra = scopes.filter((name) => !grant.scopes.includes(name));
      if (extra.length > 0)
        throw new OAuthError("invalid_scope", `The grant does not include: ${extra.join(", ")}`);
    }
    this.#checkResource(form, grant);
    await this.#assertUserActive(grant);
    const now = Date.now();
    const next = randomToken();
    const rotation = await this.#store.rotateRefreshToken(hash, now, this.#policy.refreshGraceMs, {
      hash: sha256Hex(next),
      grantId: grant.id,
      createdAt: now,
      expiresAt: now + this.#policy.refreshTokenMs,
      rotatedAt: null,
    });
    if (rotation.status === "reused") {
      this.#policy.events?.(tokenEvent("revoked", grant, "refresh-reuse"));
      throw new OAuthError(
        "invalid_grant",
        "The refresh token was already used; the grant is revoked, sign in again",
      );
    }
    if (rotation.status === "invalid")
      throw new OAuthError("invalid_grant", "The refresh token is expired or revoked");
    const refreshed = await this.#respond(rotation.grant, scopes, next);
    this.#policy.events?.(tokenEvent("refreshed", rotation.grant, undefined, scopes));
    return refreshed;
  }

  #checkResource(form: URLSearchParams, grant: GrantRecord): void {
    const resource = form.get("resource");
    if (resource !== null && resource !== grant.resource)
      throw new OAuthError("invalid_target", "The grant is for another resource");
  }

  async #assertUserActive(grant: GrantRecord): Promise<void> {
    const user = await this.#store.getUser(grant.userId);
    if (!user || user.disabled) throw new OAuthError("invalid_grant", "The user is disabled");
  }

  async #issue(grant: GrantRecord, scopes: readonly string[], now: number): Promise<TokenResponse> {
    const refresh = randomToken();
    await this.#store.createRefreshToken({
      hash: sha256Hex(refresh),
      grantId: grant.id,
      createdAt: now,
      expiresAt: now + this.#policy.refreshTokenMs,
      rotatedAt: null,
    });
    return this.#respond(grant, scopes, refresh);
  }

  async #respond(
    grant: GrantRecord,
    scopes: readonly string[],
    refresh: string,
  ): Promise<TokenResponse> {
    return {
      access_token: await this.#tokens.mint(grant, scopes),
      token_type: "Bearer",
      expires_in: this.#tokens.lifetimeSeconds,
      refresh_token: refresh,
      scope: scopes.join(" "),
    };
  }
}
