import type { IncomingMessage, ServerResponse } from "node:http";
import { readBody } from "../../transport/http/body.js";
import { countedAddress } from "../../transport/http/client-address.js";
import { writeJson } from "../../transport/http/respond.js";
import { OAuthError } from "./oauth-error.js";

/** Reading requests and writing responses for the authorization server's endpoints. */

/** Largest form or registration body accepted. */
const BODY_LIMIT = 64 * 1024;

/** Headers on every authorization-server response that carries a secret or a decision. */
const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" };

/**
 * The parameters of an `application/x-www-form-urlencoded` body. A parameter sent twice is
 * refused, as RFC 6749 (section 3.1) requires.
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
    req.resume();
    throw new OAuthError(
      "invalid_request",
      "Send the parameters as application/x-www-form-urlencoded",
    );
  }
  const body = await readBody(req, BODY_LIMIT).catch((error: Error) => {
    throw new OAuthError("invalid_request", error.message, 413);
  });
  const form = new URLSearchParams(body.toString("utf8"));
  assertNoRepeats(form);
  return form;
}

/** A JSON object body. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const type = req.headers["content-type"] ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    req.resume();
    throw new OAuthError("invalid_client_metadata", "Send the metadata as application/json");
  }
  const body = await readBody(req, BODY_LIMIT).catch((error: Error) => {
    throw new OAuthError("invalid_client_metadata", error.message, 413);
  });
  let value: unknown;
  try {
    value = JSON.parse(body.toString("utf8"));
  } catch {
    throw new OAuthError("invalid_client_metadata", "The body is not valid JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new OAuthError("invalid_client_metadata", "The body must be a JSON object");
  return value as Record<string, unknown>;
}

/** Refuse parameters that appear more than once. */
export function assertNoRepeats(params: URLSearchParams): void {
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (seen.has(name))
      throw new OAuthError("invalid_request", `The parameter '${name}' appears more than once`);
    seen.add(name);
  }
}

/** Write a JSON response that no cache may keep. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  writeJson(res, status, body, { ...NO_STORE, ...headers });
}

/** Write an OAuth error response. */
export function sendOAuthError(res: ServerResponse, error: OAuthError, basic = false): void {
  // RFC 6749 5.2: a client that tried Basic authentication gets a Basic challenge.
  // Browser clients must be able to read the error (invalid_client tells them to register again).
  const headers: Record<string, string> = {
    "access-control-allow-origin": "*",
    ...(error.status === 401 && basic ? { "www-authenticate": 'Basic realm="berth"' } : {}),
  };
  sendJson(res, error.status, error.toJSON(), headers);
}

/** Write an HTML page. */
export function sendHtml(
  res: ServerResponse,
  status: number,
  html: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    ...NO_STORE,
    ...headers,
    "content-type": "text/html; charset=utf-8",
    "content-length": Buffer.byteLength(html),
  });
  res.end(html);
}

/** Redirect the browser; 303 after a form post so the next request is a GET. */
export function redirect(
  res: ServerResponse,
  location: string,
  method: string | undefined,
  headers: Record<string, string | string[]> = {},
): void {
  res.writeHead(method === "POST" ? 303 : 302, { ...NO_STORE, ...headers, location });
  res.end();
}

/** The cookies a request carries. */
export function readCookies(req: IncomingMessage): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!cookies.has(name)) cookies.set(name, part.slice(eq + 1).trim());
  }
  return cookies;
}

/** A `Set-Cookie` value for an HttpOnly, SameSite=Lax cookie (Secure on https). */
export function cookie(
  name: string,
  value: string,
  maxAgeSeconds: number,
  secure: boolean,
): string {
  return [
    `${name}=${value}`,
    "Path=/",
    "HttpOnly",
    "SameSite=Lax",
    `Max-Age=${maxAgeSeconds}`,
    ...(secure ? ["Secure"] : []),
  ].join("; ");
}

/**
 * The address a request came from, for throttling: the socket's peer, or, behind
 * `trustedProxies` proxies, the address the outermost of them saw. IPv6 addresses count by
 * their /64 (see `countedAddress`).
 */
export function clientAddress(req: IncomingMessage, trustedProxies = 0): string {
  return countedAddress(req, trustedProxies);
}
