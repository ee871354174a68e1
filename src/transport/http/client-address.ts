import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

/** How many reverse proxies in front are trusted: `true` is one, `false` or unset none. */
export type TrustedProxies = boolean | number | undefined;

/** How many proxies `trusted` names: `true` is one; anything but a positive number none. */
export function hopsOf(trusted: TrustedProxies): number {
  return trusted === true
    ? 1
    : typeof trusted === "number" && trusted > 0
      ? Math.floor(trusted)
      : 0;
}

/**
 * The address a request came from: the socket's peer, or, behind `trusted` proxies, the
 * address the outermost of them saw (`X-Forwarded-For` read from the right: entries left
 * of it are whatever the client sent). An IPv4 client on a dual-stack socket
 * (`::ffff:10.0.0.1`) is `10.0.0.1`. For logs.
 */
export function peerAddress(req: IncomingMessage, trusted?: TrustedProxies): string {
  const hops = hopsOf(trusted);
  if (hops === 0) return connectionAddress(req.socket as Remembered).peer;
  const header = req.headers["x-forwarded-for"];
  const chain = (Array.isArray(header) ? header.join(",") : (header ?? ""))
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  const forwarded = chain[chain.length - hops];
  return unmapped(forwarded || (req.socket.remoteAddress ?? "unknown"));
}

/** An IPv4 client on a dual-stack socket (`::ffff:10.0.0.1`) as `10.0.0.1`. */
function unmapped(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/** Where a connection's addresses are kept once worked out: on the connection itself. */
const ADDRESSES = Symbol("berth.addresses");

/** A connection's address as {@link peerAddress} and {@link countedAddress} give it. */
interface ConnectionAddresses {
  readonly peer: string;
  readonly counted: string;
}

interface Remembered extends Socket {
  [ADDRESSES]?: ConnectionAddresses;
}

/** The peer and counted address of a connection, worked out once while it is open. */
function connectionAddress(socket: Remembered): ConnectionAddresses {
  const kept = socket[ADDRESSES];
  if (kept !== undefined) return kept;
  const remote = socket.remoteAddress;
  const peer = unmapped(remote ?? "unknown");
  const addresses = { peer, counted: peer.includes(":") ? ipv6Prefix(peer) : peer };
  // A closed socket no longer knows its peer: that answer is not kept.
  if (remote !== undefined) socket[ADDRESSES] = addresses;
  return addresses;
}

/**
 * The address a request is counted by, for throttles and rate limits: {@link peerAddress},
 * with IPv6 addresses grouped by their /64, which one host usually holds whole (a client
 * rotating through its /64 is still one client).
 */
export function countedAddress(req: IncomingMessage, trusted?: TrustedProxies): string {
  if (hopsOf(trusted) === 0) return connectionAddress(req.socket as Remembered).counted;
  const address = peerAddress(req, trusted);
  return address.includes(":") ? ipv6Prefix(address) : address;
}

/** The first four groups of an IPv6 address, as `a:b:c:d::/64`. */
function ipv6Prefix(address: string): string {
  const [head = "", tail] = (address.split("%")[0] ?? "").split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((group) => group.toLowerCase().replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
