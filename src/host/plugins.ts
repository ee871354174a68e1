import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
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
  return (req, principal) => {
    const releases: (() => void)[] = [];
    const refuse = (error: unknown): never => {
      releaseAll(releases);
      throw error;
    };
    const next = (from: number): ReturnType<Admission> => {
      for (let i = from; i < admissions.length; i++) {
        let admitted: ReturnType<Admission>;
        try {
          admitted = admissions[i]?.(req, principal);
        } catch (error) {
          return refuse(error);
        }
        if (admitted instanceof Promise) {
          return admitted.then((release) => {
            if (release) releases.push(release);
            return next(i + 1);
          }, refuse);
        }
        if (admitted) releases.push(admitted);
      }
      if (releases.length <= 1) return releases[0];
      return () => releaseAll(releases);
    };
    return next(0);
  };
}

/** Release every admission, last admitted first. */
function releaseAll(releases: readonly (() => void)[]): void {
  for (let i = releases.length - 1; i >= 0; i--) releases[i]?.();
}

/** What the host calls once a response is done, with the status sent (0 when none was). */
export type RequestEnd = (status: number) => void;

type PluginRequestEnd = NonNullable<ReturnType<NonNullable<HostPlugin["request"]>>>;

/**
 * The plugins' request hooks as one call per request: each hook is told of the request
 * and its mount; what it returns is called, through the one returned here, with the status
 * sent once the response is done or the connection closed (see {@link whenClosed}).
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
    let first: PluginRequestEnd | undefined;
    let more: PluginRequestEnd[] | undefined;
    for (const plugin of hooked) {
      const end = plugin.request?.(req, res, mount);
      if (!end) continue;
      if (!first) first = end;
      else {
        more ??= [first];
        more.push(end);
      }
    }
    if (!first) return undefined;
    const only = first;
    const ends = more;
    return (status) => {
      const durationMs = performance.now() - started;
      if (!ends) only(status, durationMs);
      else for (const end of ends) end(status, durationMs);
    };
  };
}

/** Call `end` with the status sent (0 when none was) once `res` has closed. */
export function whenClosed(res: ServerResponse, end: RequestEnd): void {
  res.on("close", () => end(res.headersSent ? res.statusCode : 0));
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
