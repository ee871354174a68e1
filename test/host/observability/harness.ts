import {
  createServer as createNodeServer,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AuthorizationServer,
  type CallObserver,
  composeObservers,
  createHttpEndpoint,
  type Principal,
  type ResourceServer,
  type Server,
} from "berth";
import type { Admission, HostPlugin, MountInfo } from "../../../src/host/plugin.js";
import { modernMeta, readJsonRpc } from "../../support/http.js";

/**
 * A minimal host for driving plugins the way a host does: `request` hooks called with the
 * mount (and their finishers with the status), every plugin's `enter` nested around the
 * routing, `routes()` served, and one MCP endpoint at `/mcp` with the plugins' observers
 * and admissions.
 */
export interface Harness {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The MCP endpoint URL. */
  url: string;
  mount: MountInfo;
  /** POST a 2026-07-28 request; the JSON-RPC answer and the response. */
  modern(
    method: string,
    params?: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** POST a JSON-RPC message as it is, with these headers. */
  post(body: unknown, headers?: Record<string, string>): Promise<Response>;
  /** POST a 2025-era initialize and its initialized notification; the session id. */
  initializeLegacy(headers?: Record<string, string>): Promise<string>;
  close(): Promise<void>;
}

/** Options of {@link startHarness}. */
export interface HarnessOptions {
  auth?: ResourceServer;
  authorizationServer?: AuthorizationServer;
  /** The mount's name (default `calc`). */
  mountName?: string;
  /**
   * Call the plugins' `request` hooks inside their `enter` hooks; by default they are
   * called first, as the host does.
   */
  requestInsideEnter?: boolean;
}

function composeAdmissions(admissions: readonly Admission[]): Admission | undefined {
  if (admissions.length === 0) return undefined;
  return async (req: IncomingMessage, principal: Principal) => {
    const ends: (() => void)[] = [];
    try {
      for (const admit of admissions) {
        const end = await admit(req, principal);
        if (end) ends.push(end);
      }
    } catch (error) {
      for (const end of ends) end();
      throw error;
    }
    if (ends.length === 0) return undefined;
    return () => {
      for (const end of ends) end();
    };
  };
}

let nextId = 1;

/** Serve `server` at `/mcp` on a free loopback port, with `plugins` around it. */
export async function startHarness(
  server: Server,
  plugins: readonly HostPlugin[],
  options: HarnessOptions = {},
): Promise<Harness> {
  const oauth = options.authorizationServer;
  const auth = options.auth ?? oauth?.resourceServer();
  let sessions = () => 0;
  const mount: MountInfo = {
    name: options.mountName ?? "calc",
    path: "/mcp",
    serverName: server.info.name,
    sessionCount: () => sessions(),
  };
  const observers = plugins
    .map((plugin) => plugin.observer?.(mount))
    .filter((observer): observer is CallObserver => observer !== undefined);
  const admissions = plugins
    .map((plugin) => plugin.admit?.(mount))
    .filter((admit): admit is Admission => admit !== undefined);
  const observer = composeObservers(observers);
  const admit = composeAdmissions(admissions);
  const endpoint = createHttpEndpoint(server, {
    path: "/mcp",
    keepAliveMs: 0,
    ...(auth ? { auth } : {}),
    ...(observer ? { observer } : {}),
    ...(admit ? { admit } : {}),
  });
  sessions = () => endpoint.sessionCount;
  const routes = Object.assign({}, ...plugins.map((plugin) => plugin.routes?.() ?? {}));

  const targetOf = (req: IncomingMessage) => {
    const url = req.url ?? "/";
    const query = url.indexOf("?");
    const pathname = query < 0 ? url : url.slice(0, query);
    return { pathname, target: pathname === "/mcp" ? mount : undefined };
  };
  const hook = (req: IncomingMessage, res: ServerResponse): void => {
    const { target } = targetOf(req);
    const started = performance.now();
    const finishers: ((status: number, durationMs: number, req: IncomingMessage) => void)[] = [];
    for (const plugin of plugins) {
      const finish = plugin.request?.(req, res, target);
      if (finish) finishers.push(finish);
    }
    if (finishers.length > 0) {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        const status = res.headersSent ? res.statusCode : 0;
        for (const finisher of finishers) finisher(status, performance.now() - started, req);
      };
      res.once("finish", finish);
      res.once("close", finish);
    }
  };
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const { pathname, target } = targetOf(req);
    if (options.requestInsideEnter) hook(req, res);
    const route = routes[pathname];
    if (target) endpoint(req, res);
    else if (route) route(req, res);
    else if (oauth?.handles(pathname)) void oauth.handle(req, res, pathname);
    else notFound(req, res);
  };
  const notFound = (req: IncomingMessage, res: ServerResponse): void => {
    req.resume();
    res.writeHead(404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: "not_found" }));
  };
  const enter = (req: IncomingMessage, res: ServerResponse, index: number): void => {
    const plugin = plugins[index];
    if (!plugin) handle(req, res);
    else if (!plugin.enter) enter(req, res, index + 1);
    else plugin.enter(req, () => enter(req, res, index + 1));
  };

  const http = createNodeServer((req, res) => {
    if (!options.requestInsideEnter) hook(req, res);
    enter(req, res, 0);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const mcpUrl = `${origin}/mcp`;
  if (oauth) {
    oauth.useIssuer(origin);
    oauth.addResource(mcpUrl);
  }
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(mcpUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        ...headers,
      },
      body: JSON.stringify(body),
    });

  return {
    origin,
    url: mcpUrl,
    mount,
    post,
    async modern(method, params = {}, headers = {}) {
      const named = method === "resources/read" ? params["uri"] : params["name"];
      const response = await post(
        { jsonrpc: "2.0", id: nextId++, method, params: { ...params, _meta: modernMeta() } },
        {
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": method,
          ...(typeof named === "string" ? { "mcp-name": named } : {}),
          ...headers,
        },
      );
      return {
        status: response.status,
        body: await readJsonRpc(response),
        headers: response.headers,
      };
    },
    async initializeLegacy(headers = {}) {
      const response = await post(
        {
          jsonrpc: "2.0",
          id: nextId++,
          method: "initialize",
          params: {
            protocolVersion: "2025-11-25",
            capabilities: {},
            clientInfo: { name: "observability-tests", version: "1.0.0" },
          },
        },
        headers,
      );
      const session = response.headers.get("mcp-session-id");
      await response.text();
      if (!session) throw new Error(`initialize answered ${response.status} without a session`);
      const initialized = await post(
        { jsonrpc: "2.0", method: "notifications/initialized" },
        { ...headers, "mcp-session-id": session, "mcp-protocol-version": "2025-11-25" },
      );
      await initialized.text();
      return session;
    },
    async close() {
      endpoint.close();
      oauth?.close();
      await Promise.all(plugins.map((plugin) => plugin.close?.()));
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}
