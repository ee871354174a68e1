/**
 * The parts of request and tool-call lines that stay the same from one request to the next
 * (the mount, method and path; the connection's address; the caller; the server and tool),
 * written as JSON text once and reused. Every cache is bounded or dies with what it
 * describes, so names chosen by clients cannot grow it without end.
 */
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import type { Principal } from "../../engine/context.js";
import { peerAddress, type TrustedProxies } from "../../transport/http/client-address.js";
import type { MountInfo } from "../plugin.js";
import { field, flatString, plainField } from "./json-lines.js";

/**
 * Paths kept per mount: a request is routed to a mount by its path, alias or either with a
 * trailing slash, so a mount sees only a few.
 */
const PATHS_LIMIT = 16;

/** Tool names whose fields are kept per mount (names come from clients). */
const TOOL_FIELDS_LIMIT = 1024;

/** The fields of one mount's lines, kept. */
interface MountFields {
  /** `,"mount":"…"` */
  readonly mount: string;
  /** `,"mount":…,"method":…,"path":…` of requests to the mount, by path and method. */
  readonly requests: Map<string, Map<string, string>>;
  /** `,"server":…,"tool":…` by tool name. */
  readonly tools: Map<string, string>;
}

/** The kept fields of every mount, and the lines' parts built from them. */
export interface MountFieldCache {
  /** `,"mount":"…"`, or "" for a request to no mount. */
  mount(mount: MountInfo | undefined): string;
  /** `,"mount":…,"method":…,"path":…` of an HTTP request (the path without its query). */
  request(mount: MountInfo | undefined, method: string, url: string): string;
  /** `,"server":…,"tool":…` of a tool call. */
  tool(mount: MountInfo, server: string, tool: string | undefined): string;
}

/**
 * A cache of the fields of each mount's lines. The request methods Node's parser accepts
 * are a fixed few, and the paths kept are those of requests routed to a mount; a request
 * to no mount is written anew.
 *
 * @example
 * const fields = mountFields();
 * fields.request(mount, "POST", "/mcp?x=1"); // ',"mount":"files","method":"POST","path":"/mcp"'
 */
export function mountFields(): MountFieldCache {
  const byMount = new Map<string, MountFields>();
  const of = (mount: MountInfo): MountFields => {
    let fields = byMount.get(mount.name);
    if (fields === undefined) {
      fields = {
        mount: flatString(field("mount", mount.name)),
        requests: new Map(),
        tools: new Map(),
      };
      byMount.set(mount.name, fields);
    }
    return fields;
  };
  // The method needs no escaping: Node's parser accepts only tokens.
  const requestFields = (mount: string, method: string, path: string): string =>
    mount + plainField("method", method) + field("path", path);
  return {
    mount: (mount) => (mount ? of(mount).mount : ""),
    request(mount, method, url) {
      const query = url.indexOf("?");
      const path = query < 0 ? url : url.slice(0, query);
      if (!mount) return requestFields("", method, path);
      const fields = of(mount);
      let byMethod = fields.requests.get(path);
      if (byMethod === undefined) {
        if (fields.requests.size >= PATHS_LIMIT) return requestFields(fields.mount, method, path);
        byMethod = new Map();
        fields.requests.set(path, byMethod);
      }
      let text = byMethod.get(method);
      if (text === undefined) {
        text = flatString(requestFields(fields.mount, method, path));
        byMethod.set(method, text);
      }
      return text;
    },
    tool(mount, server, tool) {
      const tools = of(mount).tools;
      const name = tool ?? "";
      let text = tools.get(name);
      if (text === undefined || tool === undefined) {
        text = flatString(field("server", server) + field("tool", tool));
        if (tool !== undefined && tools.size < TOOL_FIELDS_LIMIT) tools.set(name, text);
      }
      return text;
    },
  };
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

/** Whether addresses are read from `X-Forwarded-For` (then they may change per request). */
export function proxied(trusted: TrustedProxies): boolean {
  return trusted === true || (typeof trusted === "number" && trusted >= 1);
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
