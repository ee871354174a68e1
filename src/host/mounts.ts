import type { ResourceServer } from "../auth/resource-server.js";
import type { AuthorizationServer } from "../auth/server/authorization-server.js";
import type { Server } from "../engine/server.js";
import type { AuthStore } from "../store/types.js";
import { createHttpEndpoint, type HttpEndpoint } from "../transport/http/handler.js";
import type { HostCheckOptions } from "../transport/http/host-check.js";
import { createLegacySseEndpoint, type LegacySseEndpoint } from "../transport/sse-2024/endpoint.js";
import {
  createWebSocketEndpoint,
  type WebSocketEndpoint,
} from "../transport/websocket/endpoint.js";
import type { BerthConfig, MountConfig } from "./config/define-config.js";
import { mountPath, resolvedAuth, transportPaths } from "./config/validate.js";
import { authLabel, mountResourceServer } from "./mount-auth.js";
import type { HostPlugin, MountInfo } from "./plugin.js";
import { type MountHooks, mountHooks } from "./plugins.js";
import type { MetadataTarget, Target } from "./router.js";

/** A server mounted on the host, with every endpoint serving it. */
export interface Mount {
  readonly name: string;
  readonly server: Server;
  /** The Streamable HTTP path. */
  readonly path: string;
  readonly aliases: readonly string[];
  /** What `GET /` says of its authorization: `none`, `oauth`, `api-key`, `oauth+api-key`. */
  readonly auth: string;
  /** Scopes every call needs. */
  readonly scopes: readonly string[];
  /** Transports offered: `streamable-http`, `sse-2024`, `websocket`. */
  readonly transports: readonly string[];
  /** What plugins see of it. */
  readonly info: MountInfo;
  /** The Streamable HTTP endpoint of each path (the path and every alias, by path). */
  readonly endpoints: ReadonlyMap<string, HttpEndpoint>;
  /** The 2024-11-05 HTTP+SSE endpoints and their paths, when offered. */
  readonly sse2024: { endpoint: LegacySseEndpoint; paths: readonly string[] } | undefined;
  /** The WebSocket endpoint and its path, when offered. */
  readonly websocket: { endpoint: WebSocketEndpoint; path: string } | undefined;
  /** End its streams and sessions. */
  close(): void;
}

/** What every mount's endpoints share: the listener's settings. */
export interface MountSettings extends HostCheckOptions {
  bindHost: string;
  /** The origin clients reach the host at, when known up front (publicUrl, or TLS). */
  publicOrigin: string | undefined;
  maxBodyBytes: number | undefined;
  /** Signs 2026-07-28 `requestState`; shared by replicas so any of them accepts a retry. */
  stateSecret: Buffer | undefined;
}

/** Build the endpoints of one mount, once; requests only look them up. */
export function createMount(
  name: string,
  config: MountConfig,
  server: Server,
  auth: ResourceServer | undefined,
  hooks: (info: MountInfo) => MountHooks,
  settings: MountSettings,
): Mount {
  const path = mountPath(name, config);
  const aliases = config.aliases ?? [];
  const endpoints = new Map<string, HttpEndpoint>();
  let sse2024: Mount["sse2024"];
  let websocket: Mount["websocket"];
  const info: MountInfo = {
    name,
    path,
    serverName: server.info.name,
    sessionCount: () => {
      let count = sse2024?.endpoint.sessionCount ?? 0;
      for (const endpoint of endpoints.values()) count += endpoint.sessionCount;
      return count;
    },
  };
  const { observer, admit } = hooks(info);
  const shared = {
    ...(settings.allowedHosts !== undefined ? { allowedHosts: settings.allowedHosts } : {}),
    ...(settings.allowedOrigins !== undefined ? { allowedOrigins: settings.allowedOrigins } : {}),
    bindHost: settings.bindHost,
    ...(auth ? { auth } : {}),
    ...(observer ? { observer } : {}),
    ...(admit ? { admit } : {}),
    ...(config.requestTimeoutMs ? { requestTimeoutMs: config.requestTimeoutMs } : {}),
    ...(settings.stateSecret ? { stateSecret: settings.stateSecret } : {}),
  };
  const publicUrl = (at: string) =>
    settings.publicOrigin ? { publicUrl: `${settings.publicOrigin}${at}` } : {};
  // Each path is its own OAuth resource: a client that reached an alias gets tokens for it.
  for (const at of [path, ...aliases]) {
    endpoints.set(
      at,
      createHttpEndpoint(server, {
        ...shared,
        ...publicUrl(at),
        path: at,
        ...(settings.maxBodyBytes !== undefined ? { maxBodyBytes: settings.maxBodyBytes } : {}),
      }),
    );
  }
  // The other transports are the same protected resource as the main path.
  const streamShared = { ...shared, ...publicUrl(path), resourcePath: path };
  const extraPaths = transportPaths(name, config);
  const ssePath = extraPaths["transports.sse2024.ssePath"];
  const messagesPath = extraPaths["transports.sse2024.messagesPath"];
  if (ssePath && messagesPath) {
    sse2024 = {
      endpoint: createLegacySseEndpoint(server, {
        ...streamShared,
        ssePath,
        messagesPath,
        ...(settings.maxBodyBytes !== undefined ? { maxBodyBytes: settings.maxBodyBytes } : {}),
      }),
      paths: [ssePath, messagesPath],
    };
  }
  if (config.transports?.websocket) {
    websocket = {
      endpoint: createWebSocketEndpoint(server, {
        ...streamShared,
        ...(settings.maxBodyBytes !== undefined ? { maxMessageBytes: settings.maxBodyBytes } : {}),
      }),
      path: extraPaths["transports.websocket.path"] ?? path,
    };
  }
  return {
    name,
    server,
    path,
    aliases,
    auth: authLabel(config),
    scopes: resolvedAuth(config.auth)?.scopes ?? [],
    transports: [
      "streamable-http",
      ...(sse2024 ? ["sse-2024"] : []),
      ...(websocket ? ["websocket"] : []),
    ],
    info,
    endpoints,
    sse2024,
    websocket,
    close() {
      for (const endpoint of endpoints.values()) endpoint.close();
      sse2024?.endpoint.close();
      websocket?.endpoint.close();
    },
  };
}

/** The routing table's entries of one mount: each path (also with a trailing slash). */
export function mountTargets(mount: Mount): [string, Target][] {
  const entries: [string, Target][] = [];
  for (const [path, endpoint] of mount.endpoints) {
    const target: Target = { kind: "mcp", mount, endpoint };
    entries.push([path, target], [`${path}/`, target]);
  }
  for (const path of mount.sse2024?.paths ?? []) {
    if (mount.sse2024)
      entries.push([path, { kind: "sse-2024", mount, endpoint: mount.sse2024.endpoint }]);
  }
  return entries;
}

/** What {@link createMounts} builds every mount with. */
export interface MountSources {
  plugins: readonly HostPlugin[];
  store: AuthStore | undefined;
  oauth: AuthorizationServer | undefined;
  settings: MountSettings;
  /** The origin of the OAuth resources registered with the built-in authorization server. */
  resourceOrigin: string;
}

/**
 * Every mount of a config, with the routing tables the listener needs: targets by path and
 * protected-resource metadata by path. Mounts whose auth takes the built-in server's
 * tokens are registered with it as resources, one per path.
 */
export function createMounts(
  config: BerthConfig,
  servers: ReadonlyMap<string, Server>,
  sources: MountSources,
): { mounts: Mount[]; targets: Map<string, Target>; metadata: Map<string, MetadataTarget> } {
  const mounts: Mount[] = [];
  const targets = new Map<string, Target>();
  const metadata = new Map<string, MetadataTarget>();
  for (const [name, mountConfig] of Object.entries(config.servers)) {
    const server = servers.get(name) as Server;
    const auth = mountResourceServer(mountConfig, server, sources);
    const hooks = (info: MountInfo) => mountHooks(sources.plugins, info);
    const mount = createMount(name, mountConfig, server, auth, hooks, sources.settings);
    mounts.push(mount);
    for (const [path, target] of mountTargets(mount)) targets.set(path, target);
    if (!auth) continue;
    for (const path of [mount.path, ...mount.aliases]) {
      metadata.set(`/.well-known/oauth-protected-resource${path}`, { mount, path, auth });
      if (resolvedAuth(mountConfig.auth)?.oauth)
        sources.oauth?.addResource(`${sources.resourceOrigin}${path}`);
    }
  }
  return { mounts, targets, metadata };
}
