import { isLoopbackUrl } from "./resources.js";

/**
 * Which redirect URIs a client may register, and when a requested one matches a
 * registered one (OAuth 2.1 sections 2.3 and 8.4.2, RFC 8252 for native apps).
 */

/** Schemes that can run script or read local data: never a redirect target. */
const FORBIDDEN_SCHEMES = new Set([
  "javascript:",
  "data:",
  "file:",
  "vbscript:",
  "about:",
  "blob:",
]);

/**
 * Why `uri` cannot be registered as a redirect URI, or undefined when it can: an absolute
 * URI without fragment; https, http only to a loopback host, or an app's private scheme.
 */
export function redirectUriProblem(uri: unknown): string | undefined {
  if (typeof uri !== "string" || uri.length === 0) return "each redirect URI must be a string";
  if (uri.length > 2000) return "a redirect URI must be at most 2000 characters";
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `'${uri}' is not an absolute URI`;
  }
  if (url.hash || uri.includes("#")) return `'${uri}' must not have a fragment`;
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `'${uri}' uses a forbidden scheme`;
  if (url.username || url.password) return `'${uri}' must not carry credentials`;
  if (url.protocol === "http:" && !isLoopbackUrl(url))
    return `'${uri}' uses http to a host other than loopback; use https`;
  return undefined;
}

/** True for an http redirect URI to a loopback host, whose port may vary (RFC 8252 7.3). */
function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && isLoopbackUrl(url);
}

/**
 * The registered URI `requested` matches, or undefined. Matching is exact, except that a
 * native app's loopback redirect may use any port.
 */
export function matchRedirectUri(
  requested: string,
  registered: readonly string[],
): string | undefined {
  if (registered.includes(requested)) return requested;
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    return undefined;
  }
  if (!isLoopbackHttp(url) || requested.includes("#")) return undefined;
  for (const candidate of registered) {
    const allowed = new URL(candidate);
    if (
      isLoopbackHttp(allowed) &&
      allowed.hostname === url.hostname &&
      allowed.pathname === url.pathname &&
      allowed.search === url.search
    )
      return requested;
  }
  return undefined;
}
