import type { JsonObject } from "../../engine/types.js";
import { CLIENT_AUTH_METHODS } from "./clients.js";

/** Paths of the authorization server's endpoints, under its issuer. */
export const ENDPOINTS = {
  authorize: "/oauth/authorize",
  signIn: "/oauth/sign-in",
  consent: "/oauth/consent",
  token: "/oauth/token",
  register: "/oauth/register",
  revoke: "/oauth/revoke",
  jwks: "/oauth/jwks.json",
} as const;

/** What the metadata document describes. */
export interface MetadataFacts {
  issuer: string;
  scopesSupported: readonly string[] | undefined;
  dynamicRegistration: boolean;
  metadataDocuments: boolean;
}

/** The authorization server metadata (RFC 8414). */
export function authorizationServerMetadata(facts: MetadataFacts): JsonObject {
  const at = (path: string) => `${facts.issuer}${path}`;
  return {
    issuer: facts.issuer,
    authorization_endpoint: at(ENDPOINTS.authorize),
    token_endpoint: at(ENDPOINTS.token),
    ...(facts.dynamicRegistration ? { registration_endpoint: at(ENDPOINTS.register) } : {}),
    revocation_endpoint: at(ENDPOINTS.revoke),
    jwks_uri: at(ENDPOINTS.jwks),
    ...(facts.scopesSupported ? { scopes_supported: [...facts.scopesSupported] } : {}),
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
    authorization_response_iss_parameter_supported: true,
    client_id_metadata_document_supported: facts.metadataDocuments,
  };
}
