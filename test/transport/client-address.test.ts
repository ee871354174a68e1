import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { countedAddress, hopsOf, peerAddress } from "../../src/transport/http/client-address.js";

const request = (remoteAddress: string, forwarded?: string) =>
  ({
    socket: { remoteAddress },
    headers: forwarded === undefined ? {} : { "x-forwarded-for": forwarded },
  }) as unknown as IncomingMessage;

describe("client addresses", () => {
  it("counts trusted proxies: true is one, anything but a positive number none", () => {
    expect([false, undefined, 0, -1, true, 2, 2.7].map(hopsOf)).toEqual([0, 0, 0, 0, 1, 2, 2]);
  });

  it("ignores X-Forwarded-For unless proxies are trusted", () => {
    expect(peerAddress(request("10.0.0.9", "6.6.6.6"))).toBe("10.0.0.9");
  });

  it("reads as many entries from the right as proxies are trusted (regression: always the last)", () => {
    const req = request("10.0.0.2", "6.6.6.6, 203.0.113.7, 10.0.0.1");
    expect(peerAddress(req, true)).toBe("10.0.0.1");
    expect(peerAddress(req, 2)).toBe("203.0.113.7");
    // A client forging entries on the left changes nothing.
    expect(peerAddress(request("10.0.0.2", "1.1.1.1, 6.6.6.6, 203.0.113.7, 10.0.0.1"), 2)).toBe(
      "203.0.113.7",
    );
  });

  it("shows an IPv4 client on a dual-stack socket as IPv4", () => {
    expect(peerAddress(request("::ffff:192.0.2.4"))).toBe("192.0.2.4");
    expect(countedAddress(request("::ffff:192.0.2.4"))).toBe("192.0.2.4");
  });

  it("counts IPv6 clients by their /64, so rotating addresses in it is one client", () => {
    const a = countedAddress(request("2001:db8:1:2:aaaa::1"));
    const b = countedAddress(request("2001:0db8:0001:0002:ffff:ffff:ffff:fffe"));
    expect(a).toBe("2001:db8:1:2::/64");
    expect(b).toBe(a);
    expect(countedAddress(request("2001:db8::1"))).toBe("2001:db8:0:0::/64");
  });
});
