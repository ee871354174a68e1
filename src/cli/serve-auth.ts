import { resolve } from "node:path";
import { AuthorizationServer } from "../auth/server/authorization-server.js";
import type { Server } from "../engine/server.js";
import type { AuthStore } from "../store/types.js";

/** What `berth serve --auth` needs from the command line and environment. */
export interface ServeAuthOptions {
  dataDir: string | undefined;
  store: string | undefined;
  env: NodeJS.ProcessEnv;
}

/**
 * The built-in authorization server for `berth serve --auth`, on the store the options
 * name (by default `berth.db` in the data directory, where `berth users` and `berth keys`
 * write). Clients may ask for the scopes the server's tools, resources and prompts declare.
 */
export async function openServeAuthorization(
  server: Server,
  options: ServeAuthOptions,
): Promise<{ oauth: AuthorizationServer; store: AuthStore }> {
  const dataDir = resolve(options.dataDir || options.env["BERTH_DATA_DIR"] || ".berth");
  const url = options.store ?? options.env["BERTH_STORE_URL"];
  // Loaded only with --auth, so a plain `berth serve` never loads the native SQLite module.
  const { openAuthStore } = await import("../store/index.js");
  const store = await openAuthStore(url, dataDir);
  const scopes = server.declaredScopes();
  const oauth = new AuthorizationServer({
    store,
    serverName: server.info.title ?? server.info.name,
    ...(scopes.length > 0 ? { scopesSupported: scopes } : {}),
  });
  return { oauth, store };
}
