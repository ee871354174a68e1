import {
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  ServerResponse,
} from "node:http";

type HeaderList = OutgoingHttpHeaders | OutgoingHttpHeader[];

/**
 * The responses of a host's listener. A plugin adds a header every response carries (the
 * request id) with {@link addResponseHeader}, and it is written with the one `writeHead`
 * call that answers the request. (`res.setHeader` would do the same, but once a header is
 * set that way Node takes a slower path for every header of the response.)
 */
export class HostResponse<
  Request extends IncomingMessage = IncomingMessage,
> extends ServerResponse<Request> {
  /** Added headers as lower-case name, value, name, value… */
  #extra: string[] | undefined = undefined;

  /** Add a header to whatever this response is answered with; a header given there wins. */
  addHeader(name: string, value: string): void {
    if (this.headersSent) return;
    const lower = name.toLowerCase();
    this.#extra ??= [];
    const extra = this.#extra;
    for (let i = 0; i < extra.length; i += 2) {
      if (extra[i] === lower) {
        extra[i + 1] = value;
        return;
      }
    }
    extra.push(lower, value);
  }

  override writeHead(statusCode: number, reason?: string | HeaderList, headers?: HeaderList): this {
    const extra = this.#extra;
    if (extra !== undefined) {
      this.#extra = undefined;
      if (typeof reason === "string") headers = withExtra(headers, extra);
      else reason = withExtra(reason, extra);
    }
    return super.writeHead(statusCode, reason as string, headers);
  }
}

/**
 * `headers` and the `extra` ones it does not have, as a new list (the given object may be a
 * shared constant). Copied property by property: an object spread here costs microseconds.
 */
function withExtra(headers: HeaderList | undefined, extra: readonly string[]): HeaderList {
  const list: OutgoingHttpHeader[] = [];
  if (Array.isArray(headers)) list.push(...headers);
  else if (headers) {
    for (const name in headers) {
      const value = headers[name];
      if (value !== undefined) list.push(name, value);
    }
  }
  const given = list.length;
  for (let i = 0; i < extra.length; i += 2) {
    const name = extra[i] as string;
    if (!named(list, given, name)) list.push(name, extra[i + 1] as string);
  }
  return list;
}

/** Whether the first `count` items of a name, value list have the header `lower`. */
function named(list: readonly OutgoingHttpHeader[], count: number, lower: string): boolean {
  for (let i = 0; i < count; i += 2) {
    const name = String(list[i]);
    // Only a name of the same length can match: most are not lower-cased at all.
    if (name.length === lower.length && (name === lower || name.toLowerCase() === lower))
      return true;
  }
  return false;
}

/**
 * Add a header to a response before it is written: through {@link HostResponse.addHeader}
 * on a host's own responses, else `setHeader` (a listener the host did not create).
 */
export function addResponseHeader(res: ServerResponse, name: string, value: string): void {
  if (res instanceof HostResponse) res.addHeader(name, value);
  else if (!res.headersSent) res.setHeader(name, value);
}
