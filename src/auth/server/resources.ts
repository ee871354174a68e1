import { OAuthError } from "./oauth-error.js";

const LOOPBACK_NAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** Whether a URL's host is a loopback name (`127.0.0.1`, `localhost` or `[::1]`). */
export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_NAMES.has(url.hostname);
}

/** A resource URL compared without a trailing slash, with every loopback name as one. */
export function canonicalResource(value: string): string {
  const url = new URL(value);
  const host = isLoopbackUrl(url) ? `loopback:${url.port}` : url.host;
  return `${url.protocol}//${host}${url.pathname.replace(/\/$/, "")}${url.search}`;
}

/**
 * The resource a token is issued for (RFC 8707): the one `requested`, which must match one
 * of the `known` resources, or the only known one when none is requested.
 *
 * @example
 * resolveResource("http://localhost:3000/mcp/", ["http://127.0.0.1:3000/mcp"]);
 * // "http://localhost:3000/mcp"
 */
export function resolveResource(requested: string | undefined, known: readonly string[]): string {
  if (requested === undefined) {
    if (known.length === 1) return known[0]!;
    throw new OAuthError("invalid_target", "Name the resource (RFC 8707 resource parameter)");
  }
  let url: URL;
  try {
    url = new URL(requested);
  } catch {
    throw new OAuthError("invalid_target", "resource must be an absolute URL");
  }
  if (url.hash) throw new OAuthError("invalid_target", "resource must not have a fragment");
  const wanted = canonicalResource(url.href);
  const match = known.find((resource) => canonicalResource(resource) === wanted);
  if (!match)
    throw new OAuthError("invalid_target", `This server issues no tokens for ${requested}`);
  // A loopback server answers to every loopback name; the token is for the one asked for.
  if (!isLoopbackUrl(url)) return match;
  const named = new URL(match);
  named.hostname = url.hostname;
  return named.href;
}
