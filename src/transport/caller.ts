import type { IncomingMessage } from "node:http";
import type { ResourceServer } from "../auth/resource-server.js";
import { ANONYMOUS, type Principal } from "../engine/context.js";
import type { HttpEndpointOptions } from "./http/handler.js";
import type { HostCheckOptions } from "./http/host-check.js";

/** Who may open a connection, and how the protected resource is named. */
export interface CallerOptions extends HostCheckOptions {
  /** Who may connect: authenticates before any work. Unset: everyone, anonymously. */
  auth?: ResourceServer;
  /**
   * Public URL of the protected resource (the OAuth audience). Default:
   * `http://<Host><resourcePath>`.
   */
  publicUrl?: string;
  /**
   * Path naming the resource for the default public URL (default `/mcp`, the Streamable HTTP
   * endpoint's, so one token serves every transport of a server).
   */
  resourcePath?: string;
  /** Interface the listener is bound to; decides the Host/Origin defaults (default 127.0.0.1). */
  bindHost?: string;
  /**
   * Admission, once the caller is known and before a connection opens or a message is
   * read: throw a `RateLimitedError` or `UnavailableError` to refuse. Return a function to
   * call when that connection or request ends, or nothing.
   */
  admit?: HttpEndpointOptions["admit"];
}

/** An identified, admitted caller. */
export interface Caller {
  readonly principal: Principal;
  /** Call when the admitted connection or request ends. */
  readonly done: (() => void) | undefined;
}

/** The canonical URL of the protected resource, as the client reached it. */
export function resourceOf(options: CallerOptions, req: IncomingMessage): string {
  return (
    options.publicUrl ??
    `http://${req.headers.host ?? "localhost"}${options.resourcePath ?? "/mcp"}`
  );
}

/** The caller of `req`. Throws `UnauthorizedError` (401) without valid credentials. */
export async function authenticateCaller(
  options: CallerOptions,
  req: IncomingMessage,
): Promise<Principal> {
  return options.auth
    ? await options.auth.authenticate(req.headers.authorization, resourceOf(options, req))
    : ANONYMOUS;
}

/**
 * Authenticate and admit the caller of `req`. Throws `UnauthorizedError` (401) without valid
 * credentials, or what `admit` throws.
 */
export async function admitCaller(options: CallerOptions, req: IncomingMessage): Promise<Caller> {
  const principal = await authenticateCaller(options, req);
  const done = options.admit ? await options.admit(req, principal) : undefined;
  return { principal, done };
}

/**
 * Headers that go with a refusal: the `WWW-Authenticate` challenge of a 401 or 403
 * (pointing at the resource's metadata). `Retry-After` is added where the response is
 * written.
 */
export function refusalHeaders(
  options: CallerOptions,
  error: unknown,
  req: IncomingMessage,
): Record<string, string> {
  return options.auth?.challenge(error, resourceOf(options, req)) ?? {};
}
