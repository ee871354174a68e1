/** What a `WWW-Authenticate: Bearer` challenge says (RFC 6750, RFC 9728). */
export interface BearerChallenge {
  /** URL of the protected-resource metadata document. */
  resourceMetadata: string;
  /** Scopes the operation needs. */
  scope?: readonly string[];
  error?: "invalid_request" | "invalid_token" | "insufficient_scope";
  errorDescription?: string;
}

function quote(value: string): string {
  // Quoted-string: escape backslash and quote, drop control characters.
  let safe = "";
  for (const char of value) {
    const code = char.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) safe += " ";
    else safe += char === "\\" || char === '"' ? `\\${char}` : char;
  }
  return `"${safe}"`;
}

/**
 * Format a Bearer challenge for the `WWW-Authenticate` header.
 *
 * @example
 * bearerChallenge({ resourceMetadata: "https://mcp.example.com/.well-known/oauth-protected-resource/mcp",
 *   error: "insufficient_scope", scope: ["files:write"] })
 */
export function bearerChallenge(challenge: BearerChallenge): string {
  const parts: string[] = [];
  if (challenge.error) parts.push(`error=${quote(challenge.error)}`);
  if (challenge.scope && challenge.scope.length > 0)
    parts.push(`scope=${quote(challenge.scope.join(" "))}`);
  parts.push(`resource_metadata=${quote(challenge.resourceMetadata)}`);
  if (challenge.errorDescription)
    parts.push(`error_description=${quote(challenge.errorDescription)}`);
  return `Bearer ${parts.join(", ")}`;
}
