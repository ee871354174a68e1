/**
 * The parts of request and tool-call lines that stay the same from one request to the next
 * (the mount, method and path; the connection's address; the caller; the server and tool),
 * written as JSON text once and reused. Every cache is bounded or dies with what it
 * describes, so names chosen by clients cannot grow it without end.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Principal } from "../../engine/context.js";
import { peerAddress } from "../../transport/http/client-address.js";
import type { MountInfo } from "../plugin.js";
import { field, flatString, plainField } from "./json-lines.js";

/**
 * Paths kept per mount: a request is routed to a mount by its path, alias or either with a
 * trailing slash, so a mount sees only a few.
 */
const PATHS_LIMIT = 16;

/** Tool names whose fields are kept per mount (names come from clients). */
const TOOL_FIELDS_LIMIT = 1024;

/**
 * The fields of one mount's lines, kept: `,"mount":…`, the request fields by path and
 * method (Node's parser accepts only a fixed few methods), the server and tool by tool name.
 *
 * @example
 * const fields = new MountLineFields(mount);
 * fields.request("POST", "/mcp"); // ',"mount":"files","method":"POST","path":"/mcp"'
 */
export class MountLineFields {
  /** `,"mount":"…"` */
  readonly mount: string;
  readonly #server: string;
  readonly #requests = new Map<string, Map<string, string>>();
  readonly #tools = new Map<string, string>();

  constructor(mount: MountInfo) {
    this.mount = flatString(field("mount", mount.name));
    this.#server = mount.serverName;
  }

  /** `,"mount":…,"method":…,"path":…` of a request to the mount (the path without a query). */
  request(method: string, path: string): string {
    let byMethod = this.#requests.get(path);
    if (byMethod === undefined) {
      if (this.#requests.size >= PATHS_LIMIT) return requestFields(this.mount, method, path);
      byMethod = new Map();
      this.#requests.set(path, byMethod);
    }
    let text = byMethod.get(method);
    if (text === undefined) {
      text = flatString(requestFields(this.mount, method, path));
      byMethod.set(method, text);
    }
    return text;
  }

  /** `,"server":…,"tool":…` of a call to the tool `name` (no `tool` for a call without one). */
  tool(name: string | undefined): string {
    if (name === undefined) return field("server", this.#server);
    let text = this.#tools.get(name);
    if (text === undefined) {
      text = flatString(field("server", this.#server) + field("tool", name));
      if (this.#tools.size < TOOL_FIELDS_LIMIT) this.#tools.set(name, text);
    }
    return text;
  }
}

/**
 * `,"mount":…,"method":…,"path":…` of an HTTP request: kept by its mount's fields, or
 * written anew for a request to no mount. The query is left out.
 */
export function httpRequestFields(
  fields: MountLineFields | undefined,
  method: string,
  url: string,
): string {
  const query = url.indexOf("?");
  const path = query < 0 ? url : url.slice(0, query);
  return fields ? fields.request(method, path) : requestFields("", method, path);
}

/** The request fields after `mount` (the method needs no escaping: Node accepts only tokens). */
function requestFields(mount: string, method: string, path: string): string {
  return mount + plainField("method", method) + field("path", path);
}

/**
 * `,"subject":…,"via":…,"clientId":…,"keyId":…` of a caller, kept per principal object
 * (principals are not changed once made; the entry goes with the object).
 */
export function principalFields(): (principal: Principal) => string {
  const kept = new WeakMap<Principal, string>();
  return (principal) => {
    let text = kept.get(principal);
    if (text === undefined) {
      // `via` is one of four fixed words.
      text = flatString(
        field("subject", principal.subject) +
          plainField("via", principal.via) +
          field("clientId", principal.clientId) +
          field("keyId", principal.keyId),
      );
      kept.set(principal, text);
    }
    return text;
  };
}

/** Where a connection's `,"address":…` is kept, on the connection itself. */
const ADDRESS_FIELD = Symbol("berth.addressField");

interface Addressed extends Socket {
  [ADDRESS_FIELD]?: string;
}

/**
 * `,"address":…` of the connection a request came on (no proxies trusted), written once
 * per connection.
 */
export function connectionAddressField(req: IncomingMessage): string {
  const socket = req.socket as Addressed;
  let text = socket[ADDRESS_FIELD];
  if (text === undefined) {
    text = flatString(field("address", peerAddress(req)));
    // A closed socket no longer knows its peer: that answer is not kept.
    if (socket.remoteAddress !== undefined) socket[ADDRESS_FIELD] = text;
  }
  return text;
}
