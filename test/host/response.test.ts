import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { addResponseHeader, HostResponse } from "../../src/host/response.js";

/** A response without a socket: what it writes stays in `_header`. */
function response(): HostResponse {
  const req = { method: "POST", httpVersionMajor: 1, httpVersionMinor: 1, headers: {} };
  return new HostResponse(req as unknown as IncomingMessage);
}

/** The header block a response wrote, as name → values (lower-case names). */
function written(res: HostResponse): Map<string, string[]> {
  const block = (res as unknown as { _header: string })._header;
  const headers = new Map<string, string[]>();
  for (const line of block.split("\r\n").slice(1)) {
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const name = line.slice(0, colon).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return headers;
}

describe("HostResponse", () => {
  it("writes an added header with the headers given to writeHead", () => {
    const res = response();
    res.addHeader("X-Request-Id", "r-1");
    res.writeHead(200, { "content-type": "application/json" });
    const headers = written(res);
    expect(headers.get("x-request-id")).toEqual(["r-1"]);
    expect(headers.get("content-type")).toEqual(["application/json"]);
  });

  it("lets a header given to writeHead win, whatever its case", () => {
    const res = response();
    res.addHeader("x-request-id", "added");
    res.writeHead(200, { "X-Request-Id": "given" });
    expect(written(res).get("x-request-id")).toEqual(["given"]);
  });

  it("keeps the last value when a header is added twice", () => {
    const res = response();
    res.addHeader("x-request-id", "first");
    res.addHeader("x-request-id", "second");
    res.end("x");
    expect(written(res).get("x-request-id")).toEqual(["second"]);
  });

  it("works with a reason phrase, header lists, setHeader and implicit headers", () => {
    const withReason = response();
    withReason.addHeader("x-a", "1");
    withReason.writeHead(201, "Made", ["x-b", "2"]);
    expect((withReason as unknown as { _header: string })._header).toMatch(/^HTTP\/1\.1 201 Made/);
    expect(written(withReason).get("x-a")).toEqual(["1"]);
    expect(written(withReason).get("x-b")).toEqual(["2"]);

    const progressive = response();
    progressive.setHeader("x-set", "s");
    progressive.addHeader("x-a", "1");
    progressive.statusCode = 404;
    progressive.end("gone");
    expect(written(progressive).get("x-set")).toEqual(["s"]);
    expect(written(progressive).get("x-a")).toEqual(["1"]);
  });

  it("ignores a header added after the response was written", () => {
    const res = response();
    res.writeHead(204);
    res.addHeader("x-late", "1");
    expect(written(res).has("x-late")).toBe(false);
  });

  it("does not change a shared headers object passed to writeHead", () => {
    const shared = Object.freeze({ "content-type": "text/event-stream" });
    const res = response();
    res.addHeader("x-request-id", "r-2");
    res.writeHead(200, shared);
    expect(shared).toEqual({ "content-type": "text/event-stream" });
  });
});

describe("addResponseHeader", () => {
  it("uses setHeader on a response the host did not create", async () => {
    const { ServerResponse } = await import("node:http");
    const req = { method: "GET", httpVersionMajor: 1, httpVersionMinor: 1, headers: {} };
    const res = new ServerResponse(req as unknown as IncomingMessage);
    addResponseHeader(res, "x-request-id", "r-3");
    expect(res.getHeader("x-request-id")).toBe("r-3");
  });
});
