import type { ClientDirectory, OAuthClient } from "./clients.js";
import { OAuthError } from "./oauth-error.js";
import { matchRedirectUri } from "./redirect-uris.js";

/** A validated authorization request, carried (sealed) through sign-in and consent. */
export interface PendingAuthorization {
  clientId: string;
  redirectUri: string;
  state: string | undefined;
  /** The PKCE S256 challenge. */
  codeChallenge: string;
  scopes: string[];
  resource: string;
  /** `login`, `consent` or `none`, when the client asked. */
  prompt: string | undefined;
}

/**
 * A request that cannot go back to the client, because the client or its redirect URI is
 * not known to be genuine: it is shown to the user instead of being redirected.
 */
export class UnredirectableError extends Error {}

/** A refusal to send back to the client's redirect URI. */
export class RedirectedError extends Error {
  readonly oauth: OAuthError;
  readonly redirectUri: string;
  readonly state: string | undefined;

  constructor(oauth: OAuthError, redirectUri: string, state: string | undefined) {
    super(oauth.message);
    this.oauth = oauth;
    this.redirectUri = redirectUri;
    this.state = state;
  }
}

/** What checking an authorization request needs. */
export interface AuthorizeRules {
  clients: ClientDirectory;
  /** Scopes that may be asked for; undefined accepts any. */
  scopesSupported: readonly string[] | undefined;
  /** Scopes granted when the client asks for none. */
  defaultScopes: readonly string[];
  /** The canonical resource a request is for; throws `invalid_target` when not served here. */
  resource(requested: string | undefined): string;
}

/** base64url of a SHA-256 digest: 43 characters (RFC 7636 4.2). */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Check an authorization request (OAuth 2.1 4.1.1). The client and redirect URI are
 * checked first; problems with them throw {@link UnredirectableError}. Every later
 * problem throws {@link RedirectedError}, to be sent back to the client.
 */
export async function checkAuthorizationRequest(
  params: URLSearchParams,
  rules: AuthorizeRules,
): Promise<{ client: OAuthClient; pending: PendingAuthorization }> {
  const seen = new Set<string>();
  let repeated: string | undefined;
  for (const name of params.keys()) {
    if (seen.has(name)) repeated ??= name;
    seen.add(name);
  }
  const clientId = params.get("client_id");
  if (!clientId) throw new UnredirectableError("The request does not name a client (client_id).");
  let client: OAuthClient | undefined;
  try {
    client = await rules.clients.find(clientId);
  } catch (error) {
    throw new UnredirectableError(error instanceof Error ? error.message : String(error));
  }
  if (!client) throw new UnredirectableError(`The client '${clientId}' is not registered here.`);
  const requestedUri = params.get("redirect_uri");
  let redirectUri: string | undefined;
  if (requestedUri === null) {
    // Optional only when there is exactly one to mean (OAuth 2.1 2.3.2).
    if (client.redirectUris.length === 1) redirectUri = client.redirectUris[0];
  } else {
    redirectUri = matchRedirectUri(requestedUri, client.redirectUris);
  }
  if (!redirectUri || repeated === "redirect_uri" || repeated === "client_id") {
    throw new UnredirectableError(
      requestedUri === null
        ? "The request has no redirect_uri, and the client registered more than one."
        : "The redirect_uri is not one this client registered, so Berth will not send you there.",
    );
  }
  const state = repeated === "state" ? undefined : (params.get("state") ?? undefined);
  const refuse = (error: OAuthError["error"], message: string): never => {
    throw new RedirectedError(new OAuthError(error, message), redirectUri, state);
  };
  if (repeated) refuse("invalid_request", `The parameter '${repeated}' appears more than once`);
  const responseType = params.get("response_type");
  if (responseType !== "code")
    refuse(
      responseType === null ? "invalid_request" : "unsupported_response_type",
      "response_type must be 'code'",
    );
  const challenge = params.get("code_challenge");
  const method = params.get("code_challenge_method");
  if (!challenge) refuse("invalid_request", "PKCE is required: send code_challenge (S256)");
  if (method !== "S256")
    refuse("invalid_request", "code_challenge_method must be S256; 'plain' is not accepted");
  if (!S256_CHALLENGE.test(challenge!))
    refuse("invalid_request", "code_challenge must be the base64url SHA-256 of the verifier");
  const scopes = parseScopes(params.get("scope"), rules, (message) =>
    refuse("invalid_scope", message),
  );
  let resource = "";
  try {
    resource = rules.resource(params.get("resource") ?? undefined);
  } catch (error) {
    if (error instanceof OAuthError) refuse(error.error, error.message);
    throw error;
  }
  const prompt = params.get("prompt") ?? undefined;
  return {
    client,
    pending: {
      clientId: client.id,
      redirectUri,
      state,
      codeChallenge: challenge!,
      scopes,
      resource,
      prompt,
    },
  };
}

function parseScopes(
  scope: string | null,
  rules: AuthorizeRules,
  refuse: (message: string) => never,
): string[] {
  const requested = [...new Set((scope ?? "").split(" ").filter(Boolean))];
  if (requested.length === 0) return [...rules.defaultScopes];
  const supported = rules.scopesSupported;
  if (supported) {
    const unknown = requested.filter((name) => !supported.includes(name));
    if (unknown.length > 0) refuse(`Unknown scope: ${unknown.join(", ")}`);
  }
  return requested;
}

/** The client's redirect URI with the response parameters, including RFC 9207 `iss`. */
export function responseLocation(
  redirectUri: string,
  params: Record<string, string | undefined>,
): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined) url.searchParams.set(name, value);
  }
  return url.href;
}
