/**
 * Something that happened at the authorization server, for an audit log. Never carries a
 * password or a token.
 */
export type AuthEvent =
  | {
      type: "sign-in";
      /** `throttled`: refused before checking, after too many failures. */
      outcome: "success" | "failure" | "throttled";
      /** The account name as typed (trimmed, lower-cased), when the sign-in step has one. */
      username: string | undefined;
      /** The user who signed in, on success. */
      userId?: string;
      /** The OAuth client that asked for authorization. */
      clientId: string;
      /** The browser's address, as sign-in throttling sees it. */
      address: string;
    }
  | {
      type: "token";
      /**
       * `issued` for an authorization code exchanged, `refreshed` for a refresh, `revoked`
       * when a grant and every token from it stop working.
       */
      action: "issued" | "refreshed" | "revoked";
      /** Why a grant was revoked: the client asked, or a code or refresh token was reused. */
      reason?: "requested" | "code-reuse" | "refresh-reuse";
      clientId: string;
      userId: string;
      grantId: string;
      scopes: readonly string[];
    };
