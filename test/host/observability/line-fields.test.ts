import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { ANONYMOUS, type Principal } from "../../../src/engine/context.js";
import {
  connectionAddressField,
  httpRequestFields,
  MountLineFields,
  principalFields,
} from "../../../src/host/observability/line-fields.js";
import type { MountInfo } from "../../../src/host/plugin.js";

const mount: MountInfo = {
  name: "files",
  path: "/files/mcp",
  serverName: "files",
  sessionCount: () => 0,
};

/** The fields as a JSON object, to compare by value. */
const parsed = (fields: string) => JSON.parse(`{${fields.slice(1)}}`);

describe("mount fields", () => {
  it("writes mount, method and path, without the query, the same on every request", () => {
    const fields = new MountLineFields(mount);
    const first = httpRequestFields(fields, "POST", "/files/mcp?x=1");
    expect(parsed(first)).toEqual({ mount: "files", method: "POST", path: "/files/mcp" });
    expect(httpRequestFields(fields, "POST", "/files/mcp")).toBe(first);
    expect(parsed(httpRequestFields(fields, "GET", "/files/mcp"))).toMatchObject({
      method: "GET",
    });
  });

  it("writes other paths and requests to no mount as they are, escaped", () => {
    const fields = new MountLineFields(mount);
    expect(parsed(httpRequestFields(fields, "GET", '/files/"odd"?q'))).toEqual({
      mount: "files",
      method: "GET",
      path: '/files/"odd"',
    });
    expect(parsed(httpRequestFields(undefined, "GET", "/healthz"))).toEqual({
      method: "GET",
      path: "/healthz",
    });
    expect(parsed(fields.mount)).toEqual({ mount: "files" });
  });

  it("writes every path right past the few it keeps per mount", () => {
    const fields = new MountLineFields(mount);
    for (let round = 0; round < 2; round++)
      for (let i = 0; i < 40; i++)
        expect(parsed(httpRequestFields(fields, "POST", `/files/mcp/${i}?q=${round}`))).toEqual({
          mount: "files",
          method: "POST",
          path: `/files/mcp/${i}`,
        });
  });

  it("writes the server and tool of a call, escaping names clients chose", () => {
    const fields = new MountLineFields(mount);
    expect(parsed(fields.tool("read"))).toEqual({ server: "files", tool: "read" });
    expect(parsed(fields.tool('x"\n'))).toEqual({ server: "files", tool: 'x"\n' });
    expect(parsed(fields.tool(undefined))).toEqual({ server: "files" });
    // A tool named "" and a call with no name stay apart.
    expect(parsed(fields.tool(""))).toEqual({ server: "files", tool: "" });
    expect(parsed(fields.tool(undefined))).toEqual({ server: "files" });
  });
});

describe("principal fields", () => {
  it("writes who called, leaving out what the principal does not have", () => {
    const fieldsOf = principalFields();
    expect(parsed(fieldsOf(ANONYMOUS))).toEqual({ via: "anonymous" });
    const alice: Principal = {
      subject: 'alice "a"',
      scopes: [],
      clientId: "c1",
      keyId: "k1",
      via: "api-key",
    };
    expect(parsed(fieldsOf(alice))).toEqual({
      subject: 'alice "a"',
      via: "api-key",
      clientId: "c1",
      keyId: "k1",
    });
    expect(fieldsOf(alice)).toBe(fieldsOf(alice));
  });
});

describe("address field", () => {
  const request = (socket: { remoteAddress?: string }) =>
    ({ socket, headers: {} }) as unknown as IncomingMessage;

  it("writes the connection's address once, and not the answer of a closed socket", () => {
    const socket: { remoteAddress?: string } = { remoteAddress: "::ffff:10.0.0.7" };
    expect(parsed(connectionAddressField(request(socket)))).toEqual({ address: "10.0.0.7" });
    socket.remoteAddress = "10.9.9.9";
    // Kept for the connection: a socket's peer does not change.
    expect(parsed(connectionAddressField(request(socket)))).toEqual({ address: "10.0.0.7" });

    const closed: { remoteAddress?: string } = {};
    expect(parsed(connectionAddressField(request(closed)))).toEqual({ address: "unknown" });
    closed.remoteAddress = "10.0.0.8";
    expect(parsed(connectionAddressField(request(closed)))).toEqual({ address: "10.0.0.8" });
  });
});
