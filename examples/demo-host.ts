/**
 * The demo server with sign-in on: Berth's authorization server on the same port, state
 * in an auth store, and the two demo users (demo only: a production host creates its
 * users with `berth users add`, and has none until then).
 */
import {
  AuthorizationServer,
  type AuthorizationServerOptions,
  type RunningHttpServer,
  serveHttp,
} from "berth";
import type { AuthStore } from "berth/store";
import { server } from "./demo.js";
import { addDemoUsers } from "./demo-users.js";

/** Options of {@link startDemoHost}. */
export interface DemoHostOptions {
  store: AuthStore;
  port?: number;
  host?: string;
  /** Anything else for the authorization server (tests allow local metadata documents). */
  authorization?: Partial<AuthorizationServerOptions>;
}

/** Start the demo with sign-in on; the demo users are added when missing. */
export async function startDemoHost(
  options: DemoHostOptions,
): Promise<{ running: RunningHttpServer; oauth: AuthorizationServer }> {
  await addDemoUsers(options.store);
  const oauth = new AuthorizationServer({
    store: options.store,
    serverName: "Berth demo",
    scopesSupported: ["profile"],
    scopeDescriptions: { profile: "see your name and account id" },
    ...options.authorization,
  });
  const running = await serveHttp(server, {
    port: options.port ?? 3000,
    host: options.host ?? "127.0.0.1",
    authorizationServer: oauth,
  });
  return { running, oauth };
}
