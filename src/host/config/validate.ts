import type { z } from "zod";
import { isLoopback } from "../../transport/http/host-check.js";
import { ConfigError } from "./config-error.js";
import type { BerthConfig, MountAuth, MountConfig } from "./define-config.js";
import { type KnownKeys, problemLines } from "./problems.js";
import { configSchema } from "./schema.js";

/**
 * Check a whole config, shape and cross-field rules alike, and return it typed; throws one
 * {@link ConfigError} listing every problem. Nothing is loaded or started here.
 *
 * @example
 * const config = validateConfig(JSON.parse(text), "berth.config.json");
 */
export function validateConfig(input: unknown, source = "The configuration"): BerthConfig {
  const parsed = configSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) {
    throw new ConfigError(source, problemLines(parsed.error.issues, knownKeysOf(configSchema)));
  }
  const problems = crossFieldProblems(parsed.data);
  if (problems.length > 0) throw new ConfigError(source, problems);
  return parsed.data;
}

/** The default path of a mount. */
export function mountPath(name: string, mount: MountConfig): string {
  return mount.path ?? `/${name}/mcp`;
}

/** The mount's auth with shorthands spelt out; undefined for "none". */
export function resolvedAuth(
  auth: MountAuth | undefined,
): { apiKeys: boolean; oauth: boolean; issuers: number; scopes: string[] } | undefined {
  if (auth === undefined || auth === "none") return undefined;
  if (auth === "builtin") return { apiKeys: true, oauth: true, issuers: 0, scopes: [] };
  return {
    apiKeys: auth.apiKeys !== false,
    oauth: auth.oauth === true,
    issuers: auth.issuers?.length ?? 0,
    scopes: auth.scopes ?? [],
  };
}

/** Whether any mount uses the built-in authorization server's tokens. */
export function usesBuiltinOAuth(config: BerthConfig): boolean {
  return Object.values(config.servers).some((mount) => resolvedAuth(mount.auth)?.oauth === true);
}

/** The transport paths a mount serves besides its MCP path and aliases. */
export function transportPaths(name: string, mount: MountConfig): Record<string, string> {
  const base = mountPath(name, mount).replace(/\/[^/]*$/, "");
  const paths: Record<string, string> = {};
  const sse = mount.transports?.sse2024;
  if (sse) {
    const custom = typeof sse === "object" ? sse : {};
    paths["transports.sse2024.ssePath"] = custom.ssePath ?? `${base}/sse`;
    paths["transports.sse2024.messagesPath"] = custom.messagesPath ?? `${base}/messages`;
  }
  const websocket = mount.transports?.websocket;
  // By default WebSocket upgrades arrive on the MCP path itself.
  if (typeof websocket === "object" && websocket.path)
    paths["transports.websocket.path"] = websocket.path;
  return paths;
}

function crossFieldProblems(config: BerthConfig): string[] {
  const problems: string[] = [];
  const names = Object.keys(config.servers);
  if (names.length === 0) problems.push("servers: expected at least one server, got none");
  const host = config.listen?.host ?? "127.0.0.1";
  const loopback = isLoopback(host);
  const owners = new Map<string, string>();
  const claim = (path: string, field: string) => {
    const owner = owners.get(path);
    if (owner) problems.push(`${field}: "${path}" is already used by ${owner}`);
    else owners.set(path, field);
  };
  if (config.metrics && config.metrics.enabled !== false)
    claim(config.metrics.path ?? "/metrics", "metrics.path");
  for (const name of names) {
    const mount = config.servers[name] as MountConfig;
    const at = `servers.${name}`;
    if (mount.module === undefined && mount.server === undefined)
      problems.push(`${at}: needs "module" (a file exporting a server) or "server", got neither`);
    if (mount.module !== undefined && mount.server !== undefined)
      problems.push(`${at}: has both "module" and "server"; keep one`);
    claim(mountPath(name, mount), `${at}.path`);
    mount.aliases?.forEach((alias, i) => {
      claim(alias, `${at}.aliases[${i}]`);
    });
    for (const [field, path] of Object.entries(transportPaths(name, mount)))
      claim(path, `${at}.${field}`);
    const auth = resolvedAuth(mount.auth);
    if (auth && !auth.apiKeys && !auth.oauth && auth.issuers === 0)
      problems.push(`${at}.auth: accepts no credentials; set apiKeys, oauth or issuers`);
    if (!auth && !loopback && !config.listen?.allowUnauthenticatedRemote)
      problems.push(
        `${at}.auth: "none" on a non-loopback bind (listen.host "${host}") lets anyone who can ` +
          "reach it call every tool; give it auth, bind 127.0.0.1, or set " +
          "listen.allowUnauthenticatedRemote: true",
      );
  }
  if (usesBuiltinOAuth(config)) problems.push(...issuerProblems(config, loopback));
  const open = names.filter((name) => resolvedAuth(config.servers[name]?.auth) === undefined);
  if (config.listen?.cors?.origins === "*" && open.length > 0)
    problems.push(
      `listen.cors.origins: "*" lets any web page a user opens call ${open.map((n) => `servers.${n}`).join(", ")} ` +
        '(auth "none"); list the origins that may, or give those servers auth',
    );
  const metrics = config.metrics;
  if (metrics && metrics.enabled !== false && metrics.token === undefined && !loopback)
    problems.push(
      `metrics.token: required on a non-loopback bind (listen.host "${host}"): the metrics ` +
        "name every server, tool and failure count; set a token, or bind 127.0.0.1",
    );
  if (config.listen?.tls && !config.listen.publicUrl && isWildcard(host))
    problems.push(
      `listen.publicUrl: required with TLS on "${host}": resources and token audiences are ` +
        "named by URL, and an any-address bind has none clients could use; got nothing",
    );
  const guarded = names.some((name) => resolvedAuth(config.servers[name]?.auth) !== undefined);
  if (config.listen?.trustProxy && guarded && !config.listen.publicUrl)
    problems.push(
      "listen.publicUrl: required behind a proxy (trustProxy) when a server has auth: " +
        "challenges and metadata name the URLs clients use, got nothing",
    );
  config.rateLimits?.rules.forEach((rule, i) => {
    const at = `rateLimits.rules[${i}]`;
    rule.servers?.forEach((name, j) => {
      if (!(name in config.servers))
        problems.push(`${at}.servers[${j}]: no server is named "${name}"`);
    });
    if (rule.tools && rule.by !== "tool")
      problems.push(`${at}.tools: only rules by "tool" name tools (this rule is by "${rule.by}")`);
  });
  return problems;
}

/** Whether `host` binds every interface, so it names no address clients could use. */
function isWildcard(host: string): boolean {
  return host === "0.0.0.0" || host === "::" || host === "[::]";
}

/** The built-in authorization server needs a public https issuer off loopback. */
function issuerProblems(config: BerthConfig, loopback: boolean): string[] {
  const publicUrl = config.listen?.publicUrl;
  if (!publicUrl) {
    if (!loopback)
      return [
        "listen.publicUrl: required when the built-in authorization server runs on a " +
          "non-loopback bind (its issuer and resources are the URLs clients use), got nothing",
      ];
    return [];
  }
  const url = new URL(publicUrl);
  if (url.protocol !== "https:" && !isLoopback(url.hostname.replace(/^\[|\]$/g, "")))
    return [
      `listen.publicUrl: must be https for the built-in authorization server (got "${publicUrl}")`,
    ];
  return [];
}

/** The keys an object schema accepts at a path, for "did you mean" hints. */
function knownKeysOf(schema: z.ZodType): KnownKeys {
  return (path) => {
    let at: unknown = schema;
    for (const part of path) {
      at = unwrap(at);
      const def = defOf(at);
      if (def?.type === "object") at = (def.shape as Record<PropertyKey, unknown>)[part];
      else if (def?.type === "record") at = def.valueType;
      else if (def?.type === "array") at = def.element;
      else return [];
    }
    const def = defOf(unwrap(at));
    return def?.type === "object" ? Object.keys(def.shape as object) : [];
  };
}

interface Def {
  type: string;
  [key: string]: unknown;
}

function defOf(schema: unknown): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/** Through optional wrappers, preprocessing pipes and unions (to their object branch). */
function unwrap(schema: unknown): unknown {
  for (;;) {
    const def = defOf(schema);
    if (def?.type === "optional") schema = def.innerType;
    else if (def?.type === "pipe") schema = def.out;
    else if (def?.type === "union")
      schema = (def.options as unknown[]).find((option) => defOf(option)?.type === "object");
    else return schema;
  }
}
