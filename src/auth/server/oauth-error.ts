import { BerthError } from "../../errors.js";

/** The OAuth 2.1 error codes the authorization server answers with. */
export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "invalid_scope"
  | "invalid_target"
  | "invalid_redirect_uri"
  | "invalid_client_metadata"
  | "access_denied"
  | "unsupported_response_type"
  | "login_required"
  | "consent_required"
  | "temporarily_unavailable"
  | "server_error";

/**
 * A refusal of the authorization server, as the OAuth error response (`error`,
 * `error_description`) and its HTTP status: 401 for `invalid_client`, 400 otherwise.
 *
 * @example
 * throw new OAuthError("invalid_grant", "The authorization code has expired");
 */
export class OAuthError extends BerthError {
  /** The OAuth `error` code. */
  readonly error: OAuthErrorCode;

  constructor(error: OAuthErrorCode, description: string, status?: number) {
    super(`ERR_OAUTH_${error.toUpperCase()}`, -32600, description, {
      status: status ?? (error === "invalid_client" ? 401 : 400),
    });
    this.error = error;
  }

  /** The JSON body of the error response. */
  toJSON(): { error: OAuthErrorCode; error_description: string } {
    return { error: this.error, error_description: this.message };
  }
}
