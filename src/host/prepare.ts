import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { AuthorizationServer } from "../auth/server/authorization-server.js";
import type { Server } from "../engine/server.js";
import type { AuthStore } from "../store/types.js";
import { hopsOf } from "../transport/http/client-address.js";
import { ConfigError } from "./config/config-error.js";
import type { BerthConfig } from "./config/define-config.js";
import { resolvedAuth } from "./config/validate.js";
import { loadServerModule } from "./modules.js";
import type { ConfiguredPlugins } from "./plugins-from-config.js";

/**
 * Load every mount's server. Problems are collected and thrown together, naming each
 * mount's field: `servers.files.module: cannot load /srv/files.js (…)`.
 */
export async function loadServers(
  config: BerthConfig,
  baseDir: string,
): Promise<Map<string, Server>> {
  const servers = new Map<string, Server>();
  const problems: string[] = [];
  await Promise.all(
    Object.entries(config.servers).map(async ([name, mount]) => {
      if (mount.server) {
        servers.set(name, mount.server);
        return;
      }
      try {
        servers.set(name, await loadServerModule(mount.module as string, baseDir));
      } catch (error) {
        problems.push(`servers.${name}.module: ${(error as Error).message}`);
      }
    }),
  );
  if (problems.length > 0) throw new ConfigError("The configuration", problems.sort());
  return servers;
}

/** The TLS certificate and key, read before anything starts. */
export async function readTls(
  config: BerthConfig,
  baseDir: string,
): Promise<{ cert: Buffer; key: Buffer } | undefined> {
  const tls = config.listen?.tls;
  if (!tls) return undefined;
  const problems: string[] = [];
  const read = (field: "cert" | "key") =>
    readFile(resolve(baseDir, tls[field])).catch((error: Error) => {
      problems.push(
        `listen.tls.${field}: cannot read ${resolve(baseDir, tls[field])} (${error.message})`,
      );
      return Buffer.alloc(0);
    });
  const [cert, key] = await Promise.all([read("cert"), read("key")]);
  if (problems.length > 0) throw new ConfigError("The configuration", problems);
  return { cert, key };
}

/** Whether any mount takes API keys or the built-in server's tokens: then a store is needed. */
export function needsStore(config: BerthConfig): boolean {
  return Object.values(config.servers).some((mount) => {
    const auth = resolvedAuth(mount.auth);
    return auth !== undefined && (auth.apiKeys || auth.oauth);
  });
}

/** Open the store the config names (SQLite under `dataDir` by default). */
export async function openStore(config: BerthConfig, baseDir: string): Promise<AuthStore> {
  // Loaded only when needed, so a host without auth never loads the native SQLite module.
  const { openAuthStore } = await import("../store/index.js");
  return openAuthStore(config.store, resolve(baseDir, config.dataDir ?? ".berth"));
}

/**
 * The built-in authorization server, shared by every mount whose auth takes its tokens.
 * Clients may ask for the scopes those mounts require or declare, unless the config lists
 * them.
 */
export function createAuthorizationServer(
  config: BerthConfig,
  servers: ReadonlyMap<string, Server>,
  store: AuthStore,
  events: ConfiguredPlugins["authEvents"],
): AuthorizationServer {
  const section = config.authorization ?? {};
  const scopes = new Set<string>();
  let firstName: string | undefined;
  for (const [name, mount] of Object.entries(config.servers)) {
    const auth = resolvedAuth(mount.auth);
    const server = servers.get(name);
    if (!auth?.oauth || !server) continue;
    firstName ??= server.info.title ?? server.info.name;
    for (const scope of [...auth.scopes, ...server.declaredScopes()]) scopes.add(scope);
  }
  const supported = section.scopes ?? [...scopes].sort();
  return new AuthorizationServer({
    store,
    ...(section.serverName || firstName ? { serverName: section.serverName ?? firstName } : {}),
    ...(supported.length > 0 ? { scopesSupported: supported } : {}),
    ...(section.scopeDescriptions ? { scopeDescriptions: section.scopeDescriptions } : {}),
    ...(section.defaultScopes ? { defaultScopes: section.defaultScopes } : {}),
    ...(section.lifetimes ? { lifetimes: section.lifetimes } : {}),
    ...(section.dynamicRegistration !== undefined
      ? { dynamicRegistration: section.dynamicRegistration }
      : {}),
    ...(section.clientMetadataDocuments === false ? { clientMetadataDocuments: false } : {}),
    ...(section.clients ? { clients: section.clients } : {}),
    ...(section.registrationsPerHour !== undefined
      ? { registrationsPerHour: section.registrationsPerHour }
      : {}),
    ...(section.throttle ? { throttle: section.throttle } : {}),
    trustProxy: hopsOf(config.listen?.trustProxy),
    ...(events ? { events } : {}),
  });
}
