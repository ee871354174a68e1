import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server as NodeServer,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import type { AuthorizationServer } from "../auth/server/authorization-server.js";
import type { Server } from "../engine/server.js";
import type { AuthStore } from "../store/types.js";
import { hopsOf } from "../transport/http/client-address.js";
import { createHostCheck, isLoopback } from "../transport/http/host-check.js";
import type { BerthConfig } from "./config/define-config.js";
import { resolvedAuth, validateConfig } from "./config/validate.js";
import { createCors } from "./cors.js";
import { healthRoutes } from "./health.js";
import { closeConnections, InFlight, stopAccepting } from "./lifecycle.js";
import { applyListenerLimits, listenerOptions } from "./limits/listener.js";
import { createMounts } from "./mounts.js";
import type { HostPlugin } from "./plugin.js";
import { enterHooks, pluginRoutes, requestHooks } from "./plugins.js";
import { pluginsFromConfig } from "./plugins-from-config.js";
import {
  createAuthorizationServer,
  loadServers,
  needsStore,
  openStore,
  readTls,
} from "./prepare.js";
import { HostResponse } from "./response.js";
import { createRouter } from "./router.js";
import { handleUpgrades } from "./upgrade.js";

/** Options of {@link startHost} beyond the config. */
export interface StartHostOptions {
  /** Where relative `module`, `tls` and `dataDir` paths start (default: the working directory). */
  baseDir?: string;
  /** Plugins to run after the ones the config asks for. */
  plugins?: HostPlugin[];
  /** Use this auth store instead of opening the one the config names; the host won't close it. */
  store?: AuthStore;
}

/** One mounted server of a running host. */
export interface HostMount {
  readonly name: string;
  readonly server: Server;
  readonly path: string;
  readonly aliases: readonly string[];
  /** The MCP endpoint URL. */
  readonly url: URL;
}

/** A running host. */
export interface RunningHost {
  /** The listener's base URL, such as `http://127.0.0.1:3000/`. */
  readonly url: URL;
  /** The `node:http` (or `node:https`) server. */
  readonly http: NodeServer;
  readonly mounts: readonly HostMount[];
  /** The built-in authorization server, when a mount uses it. */
  readonly authorizationServer: AuthorizationServer | undefined;
  /** The auth store, when a mount needs one. */
  readonly store: AuthStore | undefined;
  readonly plugins: readonly HostPlugin[];
  /** True once draining has begun. */
  readonly draining: boolean;
  /**
   * Shut down gracefully: answer new requests with 503 and `Retry-After` (the listener
   * stays open meanwhile, then stops accepting), let requests in flight finish for up to `deadlineMs` (default
   * `shutdown.drainSeconds`), end event streams with a retry hint, then close connections,
   * plugins and the store. Calling it again returns the same promise.
   */
  drain(deadlineMs?: number): Promise<void>;
  /** Stop now: {@link RunningHost.drain} with no time for requests in flight. */
  close(): Promise<void>;
}

/** What SSE clients are told to wait before reconnecting, in milliseconds. */
const RETRY_HINT_MS = 2_000;
/** How long ended streams and last responses get to flush before connections are cut. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Start a host: validate the config (nothing starts when it has problems), load the
 * servers, open the store when a mount needs it, and serve every mount on one listener
 * with its own authorization, plus health, metadata and the plugins' routes.
 *
 * @example
 * const host = await startHost(defineConfig({
 *   servers: { notes: { module: "./notes.js" }, admin: { module: "./admin.js", auth: { scopes: ["admin"] } } },
 * }));
 * process.once("SIGTERM", () => host.drain().then(() => process.exit(0)));
 */
export async function startHost(
  input: BerthConfig,
  options: StartHostOptions = {},
): Promise<RunningHost> {
  const config = validateConfig(input);
  const baseDir = resolve(options.baseDir ?? process.cwd());
  const servers = await loadServers(config, baseDir);
  const tls = await readTls(config, baseDir);
  const release: (() => unknown)[] = [];
  const releaseAll = async () => {
    for (const step of release.reverse()) await Promise.resolve(step()).catch(() => {});
  };
  try {
    const configured = await pluginsFromConfig(config);
    const plugins = [...configured.plugins, ...(options.plugins ?? [])];
    release.push(() => Promise.allSettled(plugins.map((plugin) => plugin.close?.())));
    let store = options.store;
    if (!store && needsStore(config)) {
      const opened = await openStore(config, baseDir);
      release.push(() => opened.close());
      store = opened;
    }
    const usesOAuth = Object.values(config.servers).some((m) => resolvedAuth(m.auth)?.oauth);
    const oauth =
      usesOAuth && store
        ? createAuthorizationServer(config, servers, store, configured.authEvents)
        : undefined;
    if (oauth) release.push(() => oauth.close());

    const listen = config.listen ?? {};
    const host = listen.host ?? "127.0.0.1";
    const limits = config.limits ?? {};
    const serverOptions = { ...listenerOptions(limits), ServerResponse: HostResponse };
    const http: NodeServer = tls
      ? createHttpsServer({ ...serverOptions, ...tls })
      : createHttpServer(serverOptions);
    applyListenerLimits(http, limits);
    await listenOn(http, listen.port ?? 3000, host);
    release.push(() => closeConnections(http, CLOSE_GRACE_MS));

    // Synchronous from here until the router is attached: no request can arrive unrouted.
    const address = http.address() as AddressInfo;
    const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
    const boundOrigin = `${tls ? "https" : "http"}://${shown}:${address.port}`;
    const publicOrigin = listen.publicUrl
      ? new URL(listen.publicUrl).origin
      : tls
        ? boundOrigin
        : undefined;
    oauth?.useIssuer(publicOrigin ?? boundOrigin);
    const hostOptions = {
      ...(listen.allowedHosts ? { allowedHosts: listen.allowedHosts } : {}),
      ...(listen.cors
        ? { allowedOrigins: listen.cors.origins === "*" ? (false as const) : listen.cors.origins }
        : {}),
    };
    const { mounts, targets, metadata } = createMounts(config, servers, {
      plugins,
      store,
      oauth,
      settings: {
        ...hostOptions,
        bindHost: host,
        publicOrigin,
        maxBodyBytes: limits.maxBodyBytes,
        stateSecret: config.stateSecret ? Buffer.from(config.stateSecret) : undefined,
      },
      resourceOrigin: publicOrigin ?? boundOrigin,
    });
    release.push(() => {
      for (const mount of mounts) mount.close();
    });
    const reserved = (path: string): string | undefined => {
      if (path === "/" || path === "/healthz" || path === "/readyz") return "the host";
      if (path.startsWith("/.well-known/") || oauth?.handles(path))
        return "the authorization server";
      const target = targets.get(path);
      return target ? `servers.${target.mount.name}` : undefined;
    };
    const inFlight = new InFlight();
    const router = createRouter({
      targets,
      metadata,
      mounts,
      oauth,
      health: healthRoutes({ draining: () => inFlight.draining, store, plugins }),
      routes: pluginRoutes(plugins, reserved),
      cors: listen.cors ? createCors(listen.cors.origins) : undefined,
      hostCheck: createHostCheck(host, hostOptions),
      oauthHostCheck: createHostCheck(host, { ...hostOptions, allowedOrigins: false }),
      inFlight,
      request: requestHooks(plugins),
      enter: enterHooks(plugins),
      publicOrigin,
      originOf: requestOrigin(publicOrigin, hopsOf(listen.trustProxy) > 0, tls ? "https" : "http"),
    });
    http.on("request", router);
    handleUpgrades(http, mounts, () => inFlight.draining);

    const drainMs = (config.shutdown?.drainSeconds ?? 25) * 1000;
    let stopping: Promise<void> | undefined;
    const drain = (deadlineMs = drainMs): Promise<void> => {
      stopping ??= (async () => {
        // The listener stays open while requests finish: connections still arriving (a load
        // balancer takes a moment to notice /readyz) get a 503 they can retry elsewhere,
        // instead of a reset from a closed listener.
        const deadline = Date.now() + deadlineMs;
        // Requests on WebSocket and HTTP+SSE streams finish too; new ones there get -32030.
        const streams = mounts.flatMap((mount) =>
          [mount.websocket?.endpoint, mount.sse2024?.endpoint].filter((e) => e !== undefined),
        );
        for (const endpoint of streams) endpoint.drain();
        await inFlight.drain(deadlineMs);
        while (Date.now() < deadline && streams.some((endpoint) => endpoint.requestsInFlight > 0))
          await new Promise((resolve) => setTimeout(resolve, 20));
        stopAccepting(http);
        inFlight.hintRetry(RETRY_HINT_MS);
        // Ends streams and sessions, then closes connections, the server, store, plugins.
        await releaseAll();
      })();
      return stopping;
    };
    const base = new URL(`${boundOrigin}/`);
    return {
      url: base,
      http,
      mounts: mounts.map((mount) => ({
        name: mount.name,
        server: mount.server,
        path: mount.path,
        aliases: mount.aliases,
        url: new URL(mount.path, publicOrigin ?? base),
      })),
      authorizationServer: oauth,
      store,
      plugins,
      get draining() {
        return inFlight.draining;
      },
      drain,
      close: () => drain(0),
    };
  } catch (error) {
    await releaseAll();
    throw error;
  }
}

/**
 * How the origin of `GET /` URLs is found: the public URL when configured, else the
 * request's Host with the listener's scheme, or the forwarded one behind a trusted proxy.
 */
function requestOrigin(
  publicOrigin: string | undefined,
  trustProxy: boolean,
  scheme: "http" | "https",
): (req: IncomingMessage) => string {
  if (publicOrigin) return () => publicOrigin;
  return (req) => {
    const forwarded = trustProxy
      ? String(req.headers["x-forwarded-proto"] ?? "")
          .split(",")[0]
          ?.trim()
      : undefined;
    const used = forwarded === "http" || forwarded === "https" ? forwarded : scheme;
    return `${used}://${req.headers.host ?? "localhost"}`;
  };
}

/** Listen, with errors people can act on. */
function listenOn(http: NodeServer, port: number, host: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const refuse = (error: NodeJS.ErrnoException) => {
      const where = `${isLoopback(host) || !host.includes(":") ? host : `[${host}]`}:${port}`;
      const reason =
        error.code === "EADDRINUSE"
          ? "the address is in use (is another server running there?)"
          : error.code === "EACCES"
            ? "permission denied (ports below 1024 need privileges)"
            : error.message;
      reject(new Error(`Cannot listen on ${where}: ${reason}`, { cause: error }));
    };
    http.once("error", refuse);
    http.listen(port, host, () => {
      http.off("error", refuse);
      resolvePromise();
    });
  });
}
