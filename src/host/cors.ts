import type { IncomingMessage, ServerResponse } from "node:http";
import { writeJson } from "../transport/http/respond.js";

/** Response headers browser code may read: sessions, versions, challenges, back-off. */
const EXPOSED = "Mcp-Session-Id, MCP-Protocol-Version, WWW-Authenticate, Retry-After";
/** Request headers MCP clients send. */
const ALLOWED_HEADERS =
  "Authorization, Content-Type, Accept, MCP-Protocol-Version, Mcp-Session-Id, Mcp-Method, " +
  "Mcp-Name, Last-Event-ID";

/**
 * CORS for the MCP endpoints, per request: answers a preflight (true: the request is done),
 * or adds the response headers for an allowed origin (false: carry on).
 */
export type Cors = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Build the CORS handling for `origins` (`"*"` allows any origin). Browsers send no
 * cookies to MCP endpoints (credentials are bearer tokens and API keys), so the origin is
 * echoed without `Access-Control-Allow-Credentials`.
 */
export function createCors(origins: readonly string[] | "*"): Cors {
  const allowed =
    origins === "*" ? undefined : new Set(origins.map((origin) => origin.toLowerCase()));
  return (req, res) => {
    const origin = req.headers.origin;
    if (origin === undefined) return false;
    const ok = allowed === undefined || allowed.has(origin.toLowerCase());
    const preflight =
      req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    if (preflight) {
      req.resume();
      if (!ok) {
        writeJson(res, 403, {
          error: "origin_not_allowed",
          message: `Origin '${origin}' is not allowed`,
        });
        return true;
      }
      res.writeHead(204, {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": "GET, POST, DELETE, OPTIONS",
        "access-control-allow-headers": ALLOWED_HEADERS,
        "access-control-max-age": "86400",
        vary: "Origin",
      });
      res.end();
      return true;
    }
    if (ok) {
      res.setHeader("access-control-allow-origin", origin);
      res.setHeader("access-control-expose-headers", EXPOSED);
      res.setHeader("vary", "Origin");
    }
    return false;
  };
}
