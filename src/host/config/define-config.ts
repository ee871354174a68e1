import type { ExternalIssuerOptions } from "../../auth/external-issuer.js";
import type { PreRegisteredClient } from "../../auth/server/clients.js";
import type { AuthorizationServerLifetimes } from "../../auth/server/options.js";
import type { SignInThrottleOptions } from "../../auth/server/throttle.js";
import type { Server } from "../../engine/server.js";

/** Where and how the host listens. */
export interface ListenConfig {
  /** Interface to bind (default `127.0.0.1`; env `HOST`). */
  host?: string;
  /** Port (default 3000; 0 picks a free one; env `PORT`). */
  port?: number;
  /**
   * The origin clients reach the host at, such as `https://mcp.example.com` (env
   * `BERTH_PUBLIC_URL`). Each mount's OAuth resource is this origin plus its path, and the
   * built-in authorization server's issuer is this origin. Default: the bound address.
   */
  publicUrl?: string;
  /**
   * Trust `X-Forwarded-For` / `X-Forwarded-Proto` from this many proxies in front (`true` is
   * one). Off by default: behind no proxy these headers are whatever the client says.
   */
  trustProxy?: boolean | number;
  /** Serve HTTPS with these PEM files (paths relative to the config file). */
  tls?: { cert: string; key: string };
  /** Let browser pages on these origins call the MCP endpoints (`"*"`: any origin). */
  cors?: { origins: string[] | "*" };
  /** Accepted `Host` header values; default: loopback names on a loopback bind, any otherwise. */
  allowedHosts?: string[];
  /**
   * Bind a non-loopback interface although a mount has `auth: "none"`. Off by default:
   * exposing an unauthenticated server must be a deliberate choice.
   */
  allowUnauthenticatedRemote?: boolean;
}

/** The built-in OAuth 2.1 authorization server, shared by every mount that uses it. */
export interface AuthorizationConfig {
  /** The name on the sign-in and consent pages (default: the first mount's server title). */
  serverName?: string;
  /** Scopes clients may ask for (default: every scope the mounts declare or require). */
  scopes?: string[];
  /** Text shown for each scope on the consent page. */
  scopeDescriptions?: Record<string, string>;
  /** Scopes granted when a client asks for none (default: every supported scope). */
  defaultScopes?: string[];
  /** Token, code and session lifetimes, in seconds. */
  lifetimes?: AuthorizationServerLifetimes;
  /** Accept Dynamic Client Registration (default true). */
  dynamicRegistration?: boolean;
  /** Accept Client ID Metadata Documents (default true). */
  clientMetadataDocuments?: boolean;
  /** Clients configured up front. */
  clients?: PreRegisteredClient[];
  /** Dynamic registrations accepted per client address per hour (default 20). */
  registrationsPerHour?: number;
  /** Limits on failed sign-ins. */
  throttle?: SignInThrottleOptions;
}

/** Who may call one mount, when it is not `"none"` or `"builtin"`. */
export interface MountAuthConfig {
  /** Accept the store's API keys (default true). */
  apiKeys?: boolean;
  /** Accept access tokens of the built-in authorization server (default false). */
  oauth?: boolean;
  /** Accept JWT access tokens of these identity providers. */
  issuers?: ExternalIssuerOptions[];
  /** Scopes every call to this mount needs; callers without them get 403 insufficient_scope. */
  scopes?: string[];
}

/**
 * Who may call a mount: `"none"` (anyone, anonymously), `"builtin"` (the built-in
 * authorization server's tokens and the store's API keys), or a {@link MountAuthConfig}.
 */
export type MountAuth = "none" | "builtin" | MountAuthConfig;

/** Older and other transports a mount may offer besides Streamable HTTP. */
export interface MountTransportsConfig {
  /** The deprecated 2024-11-05 HTTP+SSE transport, for old clients (default off). */
  sse2024?: boolean | { ssePath?: string; messagesPath?: string };
  /** MCP over WebSocket, subprotocol `mcp` (default off; path: the mount's path). */
  websocket?: boolean | { path?: string };
}

/** One MCP server mounted on the host. */
export interface MountConfig {
  /** Where the server comes from: `"./file.js"` (its default or `server` export) or `"./file.js:name"`. */
  module?: string;
  /** The server itself, in a TypeScript or JavaScript config. */
  server?: Server;
  /** The Streamable HTTP endpoint path (default `/<name>/mcp`). */
  path?: string;
  /** More paths serving the same server, such as an old URL. */
  aliases?: string[];
  /** Who may call it (default `"none"`). */
  auth?: MountAuth;
  /** Older and other transports, off by default. */
  transports?: MountTransportsConfig;
  /**
   * Give every request this many milliseconds: past it the handler's `ctx.signal` aborts and
   * the client gets a timeout error (default: no limit).
   */
  requestTimeoutMs?: number;
}

/** Prometheus metrics. */
export interface MetricsConfig {
  /** Serve metrics (default true once this section is present). */
  enabled?: boolean;
  /** Where (default `/metrics`). */
  path?: string;
  /** When set, scrapes need `Authorization: Bearer <token>`. */
  token?: string;
  /** Also export process and Node.js metrics, event-loop lag included (default true). */
  collectDefault?: boolean;
}

/** What the audit log records of tool arguments. */
export interface AuditConfig {
  /** `redact` (default) hides values of sensitive keys; `omit` drops arguments; `full` keeps them. */
  arguments?: "redact" | "omit" | "full";
  /**
   * Words that make a key's value hidden by `redact` wherever they appear in its name
   * (default: passwords, secrets, API and private keys, authorization, cookies, credentials,
   * session ids and tokens; see docs/observability.md).
   */
  redactKeys?: string[];
}

/** Request logs and the audit log, as JSON lines on stderr. */
export interface LoggingConfig {
  /** Least severe level written (default `info`; `silent` writes nothing). */
  level?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** `json` (default) or `pretty`, one readable line per event. */
  format?: "json" | "pretty";
  /** The audit log of tool calls and sign-ins (default on); `false` turns it off. */
  audit?: false | AuditConfig;
}

/** OpenTelemetry traces, through whatever SDK the process registers. */
export interface TracingConfig {
  /** Trace requests and calls (default true once this section is present). */
  enabled?: boolean;
  /** The tracer's name (default `berth`). */
  tracerName?: string;
}

/** One rate-limit rule: a token bucket per key. */
export interface RateLimitRuleConfig {
  /** What is counted: per caller, per API key, per client address, or per caller and tool. */
  by: "principal" | "key" | "address" | "tool";
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
  /** Requests allowed at once before the rate applies (default `limit`). */
  burst?: number;
  /** Only these tools (rules `by: "tool"`). */
  tools?: string[];
  /** Only these mounts, by name. */
  servers?: string[];
}

/** Rate limits and concurrency limits. */
export interface RateLimitsConfig {
  rules: RateLimitRuleConfig[];
  concurrency?: { perPrincipal?: number };
}

/** Limits of the listener. */
export interface LimitsConfig {
  /** Largest request body, in bytes (default 4 MiB); larger ones get 413. */
  maxBodyBytes?: number;
  /** Largest request head, in bytes (default Node's 16 KiB); larger ones get 431. */
  maxHeaderBytes?: number;
  /** Time to receive the request head (default 10 s). */
  headersTimeoutMs?: number;
  /** Time to receive the whole request (default 30 s). */
  requestTimeoutMs?: number;
  /** How long an idle keep-alive connection stays open (default 65 s). */
  keepAliveTimeoutMs?: number;
  /** Requests served per connection before it is closed (default unlimited). */
  maxRequestsPerSocket?: number;
}

/** What happens on SIGTERM. */
export interface ShutdownConfig {
  /** How long in-flight requests may take to finish (default 25). */
  drainSeconds?: number;
}

/** A Berth host: one listener serving several MCP servers, with their operations features. */
export interface BerthConfig {
  listen?: ListenConfig;
  /** The auth store: `sqlite:` (default), `sqlite:/absolute/path.db` or `memory:` (env `BERTH_STORE`). */
  store?: string;
  /** Where state is kept (default `.berth` next to the config file; env `BERTH_DATA_DIR`). */
  dataDir?: string;
  authorization?: AuthorizationConfig;
  /** The servers, by name: a name is a label in metrics and logs and the default path. */
  servers: Record<string, MountConfig>;
  /**
   * Secret (at least 32 characters) that signs the `requestState` of 2026-07-28
   * multi-round-trip answers. Give every replica the same one, usually
   * `"${BERTH_STATE_SECRET}"`, so a client's retry may land on any of them. Default: random
   * per process.
   */
  stateSecret?: string;
  metrics?: MetricsConfig;
  logging?: LoggingConfig;
  tracing?: TracingConfig;
  rateLimits?: RateLimitsConfig;
  limits?: LimitsConfig;
  shutdown?: ShutdownConfig;
}

/**
 * Type a `berth.config.ts`: returns its argument, so editors check and complete it.
 *
 * @example
 * import { defineConfig } from "berth";
 *
 * export default defineConfig({
 *   listen: { port: 3000 },
 *   servers: { files: { module: "./files.js", auth: { apiKeys: true, scopes: ["files"] } } },
 * });
 */
export function defineConfig(config: BerthConfig): BerthConfig {
  return config;
}
