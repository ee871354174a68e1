import type { IncomingMessage } from "node:http";
import { HttpError } from "../../errors.js";

/** DNS-rebinding protection: which Host and Origin values are accepted. */
export interface HostCheckOptions {
  /**
   * Accepted `Host` header values (hostname or hostname:port). Defaults to the loopback
   * names when bound to loopback. Set `false` to turn the check off behind a trusted proxy.
   */
  allowedHosts?: string[] | false;
  /** Accepted `Origin` values (scheme://host[:port]). Defaults to loopback origins. */
  allowedOrigins?: string[] | false;
}

const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "[::1]", "::1"];

/** True when `host` names a loopback interface. */
export function isLoopback(host: string): boolean {
  return (
    host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host)
  );
}

function hostnameOf(value: string): string {
  if (value.startsWith("[")) return value.slice(0, value.indexOf("]") + 1);
  const colon = value.lastIndexOf(":");
  return colon >= 0 ? value.slice(0, colon) : value;
}

/** A compiled Host/Origin check, built once per listener; it reads only the headers. */
export type HostCheck = (req: Pick<IncomingMessage, "headers">) => void;

/**
 * Build the Host/Origin check. Loopback binds accept only loopback Host and Origin values
 * unless told otherwise. Other binds check the Host header only against `allowedHosts`
 * (when given), and refuse any request carrying an Origin not in `allowedOrigins`, so
 * browsers reach a public server only from origins the operator listed.
 */
export function createHostCheck(bindHost: string, options: HostCheckOptions = {}): HostCheck {
  const loopback = isLoopback(bindHost);
  const hosts =
    options.allowedHosts === false
      ? undefined
      : new Set(
          (options.allowedHosts ?? (loopback ? LOOPBACK_NAMES : [])).map((h) => h.toLowerCase()),
        );
  const origins =
    options.allowedOrigins === false
      ? undefined
      : new Set((options.allowedOrigins ?? []).map((o) => o.toLowerCase().replace(/\/$/, "")));
  const checkHosts = hosts !== undefined && hosts.size > 0;
  return (req) => {
    if (checkHosts) {
      const host = (req.headers.host ?? "").toLowerCase();
      if (!hosts.has(host) && !hosts.has(hostnameOf(host))) {
        throw new HttpError("ERR_HOST_NOT_ALLOWED", 403, -32600, `Host '${host}' is not allowed`);
      }
    }
    const origin = req.headers.origin;
    if (origin === undefined || origins === undefined) return;
    const normalized = origin.toLowerCase();
    if (origins.has(normalized)) return;
    if (loopback && options.allowedOrigins === undefined) {
      try {
        if (isLoopback(new URL(normalized).hostname)) return;
      } catch {
        // fall through to the refusal
      }
    }
    throw new HttpError("ERR_ORIGIN_NOT_ALLOWED", 403, -32600, `Origin '${origin}' is not allowed`);
  };
}
