import { randomUUID } from "node:crypto";
import type { OAuthStore } from "../../store/types.js";
import { randomToken, sha256Hex } from "../secrets.js";
import { CLIENT_AUTH_METHODS, type ClientAuthMethod } from "./clients.js";
import { OAuthError } from "./oauth-error.js";
import { redirectUriProblem } from "./redirect-uris.js";

/** Largest registration stored, so registrations cannot fill the disk quickly. */
const MAX_METADATA_CHARS = 8192;
const GRANT_TYPES = ["authorization_code", "refresh_token"];
const TEXT_FIELDS = [
  "client_name",
  "client_uri",
  "logo_uri",
  "scope",
  "software_id",
  "software_version",
  "tos_uri",
  "policy_uri",
];

/**
 * Dynamic Client Registration (RFC 7591): validate the metadata a client sends, store the
 * client and answer with its `client_id` (and a secret for a confidential client, shown
 * only here, stored hashed). Returns the response body.
 */
export async function registerClient(
  store: Pick<OAuthStore, "createClient">,
  request: Record<string, unknown>,
  now = Date.now(),
): Promise<Record<string, unknown>> {
  const redirectUris = request["redirect_uris"];
  if (!Array.isArray(redirectUris) || redirectUris.length === 0)
    throw new OAuthError("invalid_redirect_uri", "redirect_uris must be a non-empty array");
  if (redirectUris.length > 20)
    throw new OAuthError("invalid_redirect_uri", "register at most 20 redirect URIs");
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new OAuthError("invalid_redirect_uri", problem);
  }
  // RFC 7591 2: the default is client_secret_basic.
  const method = request["token_endpoint_auth_method"] ?? "client_secret_basic";
  if (!CLIENT_AUTH_METHODS.includes(method as ClientAuthMethod))
    throw new OAuthError(
      "invalid_client_metadata",
      `token_endpoint_auth_method must be one of ${CLIENT_AUTH_METHODS.join(", ")}`,
    );
  const grantTypes = request["grant_types"] ?? ["authorization_code"];
  if (!Array.isArray(grantTypes) || !grantTypes.every((type) => GRANT_TYPES.includes(type)))
    throw new OAuthError(
      "invalid_client_metadata",
      `grant_types may contain only ${GRANT_TYPES.join(" and ")}`,
    );
  const responseTypes = request["response_types"] ?? ["code"];
  if (!Array.isArray(responseTypes) || !responseTypes.every((type) => type === "code"))
    throw new OAuthError("invalid_client_metadata", "response_types may contain only 'code'");
  const metadata: Record<string, unknown> = {
    redirect_uris: redirectUris,
    token_endpoint_auth_method: method,
    grant_types: grantTypes,
    response_types: responseTypes,
  };
  for (const field of TEXT_FIELDS) {
    const value = request[field];
    if (value === undefined) continue;
    if (typeof value !== "string" || value.length > 1000)
      throw new OAuthError(
        "invalid_client_metadata",
        `${field} must be a string of at most 1000 characters`,
      );
    metadata[field] = value;
  }
  if (JSON.stringify(metadata).length > MAX_METADATA_CHARS)
    throw new OAuthError(
      "invalid_client_metadata",
      `The client metadata must be at most ${MAX_METADATA_CHARS} characters`,
    );
  const secret = method === "none" ? undefined : randomToken();
  const clientId = randomUUID();
  await store.createClient({
    id: clientId,
    secretHash: secret ? sha256Hex(secret) : null,
    metadata,
    createdAt: now,
  });
  return {
    client_id: clientId,
    ...(secret ? { client_secret: secret, client_secret_expires_at: 0 } : {}),
    client_id_issued_at: Math.floor(now / 1000),
    ...metadata,
  };
}
