import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Principal } from "../engine/context.js";
import { type CallObserver, composeObservers } from "../engine/observer.js";
import type { Admission, HostPlugin, MountInfo, RouteHandler } from "./plugin.js";

/** What the plugins give one mount's endpoint. */
export interface MountHooks {
  observer: CallObserver | undefined;
  admit: Admission | undefined;
}

/** The observers and admissions of every plugin for one mount, composed. */
export function mountHooks(plugins: readonly HostPlugin[], mount: MountInfo): MountHooks {
  const observers: CallObserver[] = [];
  const admissions: Admission[] = [];
  for (const plugin of plugins) {
    const observer = plugin.observer?.(mount);
    if (observer) observers.push(observer);
    const admission = plugin.admit?.(mount);
    if (admission) admissions.push(admission);
  }
  return { observer: composeObservers(observers), admit: composeAdmissions(admissions) };
}

/**
 * Several admissions as one, asked in order. When one refuses, the ones already admitted
 * are released at once (in reverse order); the combined release calls them all. Stays
 * synchronous while every admission is.
 */
export function composeAdmissions(admissions: readonly Admission[]): Admission | undefined {
  if (admissions.length <= 1) return admissions[0];
  return (req, principal) => admitFrom(admissions, req, principal, 0, undefined);
}

/**
 * Ask `admissions` from `from` on, after the ones whose releases are in `releases`:
 * synchronous until one answers with a promise, and no list is made unless two or more
 * admissions have releases.
 */
function admitFrom(
  admissions: readonly Admission[],
  req: IncomingMessage,
  principal: Principal,
  from: number,
  releases: (() => void)[] | undefined,
): ReturnType<Admission> {
  let only: (() => void) | undefined;
  for (let i = from; i < admissions.length; i++) {
    let admitted: ReturnType<Admission>;
    try {
      admitted = admissions[i]?.(req, principal);
    } catch (error) {
      if (releases) releaseAll(releases);
      else only?.();
      throw error;
    }
    if (admitted instanceof Promise) {
      const held = releases ?? (only ? [only] : []);
      return admitted.then(
        (release) => {
          if (release) held.push(release);
          return admitFrom(admissions, req, principal, i + 1, held);
        },
        (error: unknown) => {
          releaseAll(held);
          throw error;
        },
      );
    }
    if (!admitted) continue;
    if (releases) releases.push(admitted);
    else if (!only) only = admitted;
    else releases = [only, admitted];
  }
  if (!releases) return only;
  if (releases.length <= 1) return releases[0];
  const all = releases;
  return () => releaseAll(all);
}

/** Release every admission, last admitted first. */
function releaseAll(releases: readonly (() => void)[]): void {
  for (let i = releases.length - 1; i >= 0; i--) releases[i]?.();
}

/** What one plugin's request hook returns: called with the status, duration and request. */
export type PluginRequestEnd = NonNullable<ReturnType<NonNullable<HostPlugin["request"]>>>;

/**
 * The plugins' ends of one request, called together once its response is done or its
 * connection closed (see {@link whenClosed}), with the milliseconds since it arrived. Two
 * ends are held without a list: the built-in plugins return the same function for every
 * request, so a request costs this one object.
 */
export class RequestEnd {
  readonly #req: IncomingMessage;
  readonly #started: number;
  readonly #first: PluginRequestEnd;
  #second: PluginRequestEnd | undefined = undefined;
  #more: PluginRequestEnd[] | undefined = undefined;

  constructor(req: IncomingMessage, started: number, first: PluginRequestEnd) {
    this.#req = req;
    this.#started = started;
    this.#first = first;
  }

  /** Add another plugin's end; ends are called in the order they were added. */
  add(end: PluginRequestEnd): void {
    if (this.#second === undefined) this.#second = end;
    else if (this.#more === undefined) this.#more = [end];
    else this.#more.push(end);
  }

  /** Call every end with the status sent (0 when none was). */
  call(status: number): void {
    const durationMs = performance.now() - this.#started;
    const req = this.#req;
    this.#first(status, durationMs, req);
    this.#second?.(status, durationMs, req);
    const more = this.#more;
    if (more) for (const end of more) end(status, durationMs, req);
  }
}

/**
 * The plugins' request hooks as one call per request: each hook is told of the request
 * and its mount; what they return is gathered in a {@link RequestEnd}, or undefined when
 * none returned anything.
 */
export function requestHooks(
  plugins: readonly HostPlugin[],
):
  | ((
      req: IncomingMessage,
      res: ServerResponse,
      mount: MountInfo | undefined,
    ) => RequestEnd | undefined)
  | undefined {
  const hooked = plugins.filter((plugin) => plugin.request);
  if (hooked.length === 0) return undefined;
  return (req, res, mount) => {
    const started = performance.now();
    let ends: RequestEnd | undefined;
    for (const plugin of hooked) {
      const end = plugin.request?.(req, res, mount);
      if (!end) continue;
      if (ends) ends.add(end);
      else ends = new RequestEnd(req, started, end);
    }
    return ends;
  };
}

/** Call `end` with the status sent (0 when none was) once `res` has closed. */
export function whenClosed(res: ServerResponse, end: RequestEnd): void {
  res.on("close", () => end.call(res.headersSent ? res.statusCode : 0));
}

/** The plugins' `enter` hooks nested, first plugin outermost; undefined when none has one. */
export function enterHooks(
  plugins: readonly HostPlugin[],
): ((req: IncomingMessage, run: () => void) => void) | undefined {
  const entering = plugins.filter((plugin) => plugin.enter);
  if (entering.length === 0) return undefined;
  return (req, run) => {
    const at = (index: number): void => {
      const plugin = entering[index];
      if (!plugin) run();
      else plugin.enter?.(req, () => at(index + 1));
    };
    at(0);
  };
}

/**
 * Every plugin's extra routes by path. Two plugins on one path, or a plugin on a path the
 * host uses, is an error naming both.
 */
export function pluginRoutes(
  plugins: readonly HostPlugin[],
  taken: (path: string) => string | undefined,
): Map<string, RouteHandler> {
  const routes = new Map<string, RouteHandler>();
  const owners = new Map<string, string>();
  for (const plugin of plugins) {
    for (const [path, handler] of Object.entries(plugin.routes?.() ?? {})) {
      const owner = owners.get(path) ?? taken(path);
      if (owner) throw new Error(`Plugin "${plugin.name}" serves ${path}, which ${owner} uses`);
      owners.set(path, `plugin "${plugin.name}"`);
      routes.set(path, handler);
    }
  }
  return routes;
}
