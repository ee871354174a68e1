import type { IncomingMessage } from "node:http";

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) is `10.0.0.1`. */
function plain(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/**
 * The address a request came from. Behind a trusted reverse proxy (`trustProxy`), the last
 * entry of `X-Forwarded-For`: the address the proxy itself saw, which a client cannot
 * forge (entries before it are whatever the client sent). Otherwise the socket's peer.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers["x-forwarded-for"];
    if (typeof forwarded === "string") {
      const last = forwarded.slice(forwarded.lastIndexOf(",") + 1).trim();
      if (last) return plain(last);
    }
  }
  return plain(req.socket.remoteAddress ?? "unknown");
}
