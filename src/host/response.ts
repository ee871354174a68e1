import {
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
  ServerResponse,
} from "node:http";

type HeaderList = OutgoingHttpHeaders | OutgoingHttpHeader[];

/** What watches a host's responses: the host's in-flight requests (see `InFlight`). */
export interface ResponseWatcher {
  /** True once draining has begun. */
  readonly draining: boolean;
  /** A watched response has closed. */
  closed(res: ServerResponse, stream: boolean): void;
}

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
  /** The host's in-flight requests, told when this response closes. */
  #watcher: ResponseWatcher | undefined = undefined;
  /** Whether this response is a long-lived stream (the watcher keeps those apart). */
  #stream = false;
  /** The plugins' ends of this request, called when it closes. */
  #end: { call(status: number): void } | undefined = undefined;

  /**
   * Be watched by the host's in-flight requests until this response closes: `watcher` is
   * told then, and `end` called with the status sent (0 when none was). A response that
   * is not a stream says `Connection: close` if draining has begun when it starts. One
   * listener, the same for every response, does it all: no closure per request.
   */
  watchedBy(
    watcher: ResponseWatcher,
    stream: boolean,
    end: { call(status: number): void } | undefined,
  ): void {
    this.#watcher = watcher;
    this.#stream = stream;
    this.#end = end;
    this.on("close", HostResponse.#closed);
  }

  static readonly #closed = function (this: HostResponse): void {
    this.#watcher?.closed(this, this.#stream);
    this.#end?.call(this.headersSent ? this.statusCode : 0);
  };

  /**
   * Add a header (its name in lower case) to whatever this response is answered with; a
   * header given there wins.
   */
  addHeader(lower: string, value: string): void {
    if (this.headersSent) return;
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
    if (!this.#stream && this.#watcher?.draining) this.addHeader("connection", "close");
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
    if (name === lower || sameIgnoringCase(name, lower)) return true;
  }
  return false;
}

/**
 * Whether `name` is `lower` in any case, compared letter by letter: header names are
 * ASCII, and lower-casing each one would make a new string per response.
 */
function sameIgnoringCase(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    const want = lower.charCodeAt(i);
    // A-Z is a-z less 32.
    if (code !== want && !(code >= 65 && code <= 90 && code + 32 === want)) return false;
  }
  return true;
}

/**
 * Add a header (its name in lower case) to a response before it is written: through
 * {@link HostResponse.addHeader} on a host's own responses, else `setHeader` (a listener
 * the host did not create).
 */
export function addResponseHeader(res: ServerResponse, name: string, value: string): void {
  if (res instanceof HostResponse) res.addHeader(name, value);
  else if (!res.headersSent) res.setHeader(name, value);
}
