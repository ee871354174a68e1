import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "../engine/context.js";
import type { CallObserver } from "../engine/observer.js";

/** A server mounted on a host, as operations plugins see it. */
export interface MountInfo {
  /** The mount's name (its key in the config), used as a label in metrics and logs. */
  readonly name: string;
  /** The MCP endpoint path, e.g. `/files/mcp`. */
  readonly path: string;
  /** The MCP server's own name, from `createServer`. */
  readonly serverName: string;
  /** Open 2025-era sessions on this mount right now. */
  readonly sessionCount: () => number;
}

/** One readiness check's result, shown in `/readyz`. */
export interface ReadinessCheck {
  readonly name: string;
  readonly ok: boolean;
  /** What failed, or a short detail when it passed. */
  readonly detail?: string;
}

/** A plain request handler for an extra route such as `/metrics`. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Admission of one HTTP request to a mount, once the caller is known and before the body is
 * read (see `HttpEndpointOptions.admit`). Throw to refuse; return what to call when the
 * response has ended.
 */
export type Admission = (
  req: IncomingMessage,
  principal: Principal,
) => (() => void) | undefined | Promise<(() => void) | undefined>;

/**
 * An operations feature of a host (metrics, logs, audit, traces, rate limits): the host
 * asks each plugin for its part of every mount and calls it on every request. Every hook is
 * optional; a plugin that has nothing to say for a mount returns undefined.
 *
 * @example
 * const counting: HostPlugin = {
 *   name: "counting",
 *   observer: (mount) => ({ start: (call) => (outcome) => count(mount.name, call.method, outcome) }),
 * };
 */
export interface HostPlugin {
  /** Short name, for errors and `/readyz`. */
  readonly name: string;
  /** Watches (and may refuse) the engine calls of one mount. */
  observer?(mount: MountInfo): CallObserver | undefined;
  /** Admission of HTTP requests to one mount (rate limits, concurrency). */
  admit?(mount: MountInfo): Admission | undefined;
  /**
   * Called when the listener receives any request, before routing; `mount` is the mount
   * it is for, if any. Returns what to call once the response has finished or the
   * connection closed: with the status sent (0 when none was), the milliseconds since the
   * request arrived (measured once by the host for every plugin) and the request. Since
   * the request comes back, a plugin can return the same function every time and keep
   * what it learns about the request on the request, instead of making a closure each time.
   */
  request?(
    req: IncomingMessage,
    res: ServerResponse,
    mount: MountInfo | undefined,
  ): ((status: number, durationMs: number, req: IncomingMessage) => void) | undefined;
  /**
   * Run the rest of the request's handling inside `run`, for plugins that need an async
   * context around it (tracing makes the request's span the active one). Must call `run`
   * exactly once, synchronously.
   */
  enter?(req: IncomingMessage, run: () => void): void;
  /** Extra routes this plugin serves on the host's listener, by exact path. */
  routes?(): Readonly<Record<string, RouteHandler>>;
  /** Readiness checks for `/readyz`. */
  ready?(): Promise<readonly ReadinessCheck[]>;
  /** Flush and release what the plugin holds; called once when the host stops. */
  close?(): Promise<void>;
}
