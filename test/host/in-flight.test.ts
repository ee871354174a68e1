import { type IncomingMessage, ServerResponse } from "node:http";
import { describe, expect, it } from "vitest";
import { InFlight } from "../../src/host/lifecycle.js";
import { RequestEnd } from "../../src/host/plugins.js";
import { HostResponse } from "../../src/host/response.js";

const req = {
  method: "POST",
  url: "/mcp",
  httpVersionMajor: 1,
  httpVersionMinor: 1,
  headers: {},
} as unknown as IncomingMessage;

/** A response without a socket, of the host's own class or Node's. */
const responses = {
  "the host's own responses": () => new HostResponse(req),
  "responses the host did not create": () => new ServerResponse(req),
};

/** The header block a response wrote (it has no socket: the block stays in `_header`). */
const headerBlock = (res: ServerResponse) => (res as unknown as { _header: string })._header;

describe.each(Object.entries(responses))("requests in flight, with %s", (_kind, make) => {
  it("counts requests until their responses close, and tells each plugin end", () => {
    const inFlight = new InFlight();
    const ended: string[] = [];
    const end = new RequestEnd(req, 0, (status, durationMs, request) =>
      ended.push(`${request.url} ${status} ${durationMs >= 0}`),
    );
    end.add((status) => ended.push(`second ${status}`));
    const answered = make();
    const dropped = make();
    inFlight.track(answered, false, end);
    inFlight.track(dropped, false);
    expect(inFlight.size).toBe(2);
    answered.writeHead(201);
    answered.emit("close");
    expect(inFlight.size).toBe(1);
    expect(ended).toEqual(["/mcp 201 true", "second 201"]);
    dropped.emit("close");
    expect(inFlight.size).toBe(0);
  });

  it("keeps streams out of the count, and says status 0 for a response never started", () => {
    const inFlight = new InFlight();
    const statuses: number[] = [];
    const stream = make();
    inFlight.track(stream, true, new RequestEnd(req, 0, (status) => statuses.push(status)));
    expect(inFlight.size).toBe(0);
    stream.emit("close");
    expect(statuses).toEqual([0]);
    expect(inFlight.size).toBe(0);
  });

  it("drains once the last request closes; a response started meanwhile closes its connection", async () => {
    const inFlight = new InFlight();
    const res = make();
    inFlight.track(res, false);
    const drained = inFlight.drain(5_000);
    res.writeHead(200, { "content-type": "application/json" });
    expect(headerBlock(res).toLowerCase()).toContain("connection: close");
    res.emit("close");
    await expect(drained).resolves.toBe(true);
  });
});

it("leaves the connection of a response started before draining open", () => {
  const inFlight = new InFlight();
  const res = new HostResponse(req);
  inFlight.track(res, false);
  res.writeHead(200, { "content-type": "application/json" });
  expect(headerBlock(res).toLowerCase()).not.toContain("connection: close");
});
