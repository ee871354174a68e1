import { z } from "zod";
import type { Server } from "../../engine/server.js";
import { isServer } from "../modules.js";
import type { BerthConfig } from "./define-config.js";

/**
 * The zod schema of {@link BerthConfig}. Objects are strict (an unknown key is a typo until
 * proven otherwise); numbers and booleans also accept their text, since `${ENV}`
 * substitution always yields strings. Rules that span fields live in `validate.ts`.
 */

const NUMBER_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

/** A number, or the text of one. */
function numeric<T extends z.ZodType>(schema: T) {
  return z.preprocess(
    (value) => (typeof value === "string" && NUMBER_TEXT.test(value) ? Number(value) : value),
    schema,
  );
}

const int = (min: number, max = Number.MAX_SAFE_INTEGER, what = "a whole number") =>
  numeric(
    z
      .number({ error: `expected ${what}` })
      .int({ error: `expected ${what}` })
      .min(min, { error: `expected ${what} of at least ${min}` })
      .max(max, { error: `expected ${what} of at most ${max}` }),
  );

const positive = (what = "a positive number") =>
  numeric(z.number({ error: `expected ${what}` }).positive({ error: `expected ${what}` }));

/** A boolean, or `"true"` / `"false"`. */
const bool = z.preprocess(
  (value) => (value === "true" ? true : value === "false" ? false : value),
  z.boolean({ error: "expected true or false" }),
);

const text = (what = "a non-empty string") =>
  z.string({ error: `expected ${what}` }).min(1, { error: `expected ${what}` });

const list = (what: string) =>
  z.array(text(`${/^[aeiou]/.test(what) ? "an" : "a"} ${what}`), {
    error: `expected a list of ${what}s`,
  });

/** Paths the host answers itself; no mount may use them. */
export function reservedPath(path: string): string | undefined {
  if (path === "/" || path === "/healthz" || path === "/readyz") return "the host answers it";
  if (path.startsWith("/oauth/")) return "the authorization server uses /oauth/";
  if (path.startsWith("/.well-known/")) return "/.well-known/ is for metadata";
  return undefined;
}

/** A mount path: absolute, no trailing slash, no query, no blanks, not reserved. */
const mountPath = z.string({ error: 'expected a path such as "/files/mcp"' }).check((ctx) => {
  const path = ctx.value;
  const problem = !path.startsWith("/")
    ? 'must start with "/"'
    : path.length > 1 && path.endsWith("/")
      ? 'must not end with "/"'
      : /[\s?#]/.test(path) || path.includes("//")
        ? 'must be a plain path without blanks, "?", "#" or "//"'
        : reservedPath(path)
          ? `is reserved (${reservedPath(path)})`
          : undefined;
  if (problem) ctx.issues.push({ code: "custom", message: problem, input: path });
});

const url = (what: string, protocols = ["http:", "https:"]) =>
  z.string({ error: `expected ${what}` }).refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { error: `expected ${what}` },
  );

const origin = z.string({ error: "expected an origin" }).refine(
  (value) => {
    try {
      const parsed = new URL(value);
      return parsed.origin === value.replace(/\/$/, "") && parsed.origin !== "null";
    } catch {
      return false;
    }
  },
  { error: 'expected an origin such as "https://app.example.com" (scheme, host, port; no path)' },
);

const listen = z.strictObject({
  host: text("an interface name or address").optional(),
  port: int(0, 65535, "a port number").optional(),
  publicUrl: origin.optional(),
  trustProxy: z.union([bool, int(0, 100, "a number of proxies")]).optional(),
  tls: z.strictObject({ cert: text("a file path"), key: text("a file path") }).optional(),
  cors: z
    .strictObject({
      origins: z.union([z.literal("*"), z.array(origin)], {
        error: 'expected "*" or a list of origins',
      }),
    })
    .optional(),
  allowedHosts: list("host name").optional(),
  allowUnauthenticatedRemote: bool.optional(),
});

const issuer = z.strictObject({
  issuer: url("an issuer URL"),
  jwksUri: url("a JWKS URL").optional(),
  audience: z.union([text("an audience"), list("audience")]).optional(),
  algorithms: list("algorithm").optional(),
  scopeClaim: text("a claim name").optional(),
  refetchCooldownSeconds: int(0).optional(),
  nameClaim: text("a claim name").optional(),
});

const mountAuth = z.union(
  [
    z.enum(["none", "builtin"]),
    z.strictObject({
      apiKeys: bool.optional(),
      oauth: bool.optional(),
      issuers: z.array(issuer).optional(),
      scopes: list("scope").optional(),
    }),
  ],
  { error: 'expected "none", "builtin" or an object' },
);

const transportPath = z.union([bool, z.strictObject({ path: mountPath.optional() })]);

const mount = z.strictObject({
  module: text('a module such as "./server.js" or "./server.js:name"').optional(),
  server: z
    .custom<Server>(isServer, { error: "expected a Berth server (from createServer)" })
    .optional(),
  path: mountPath.optional(),
  aliases: z.array(mountPath).optional(),
  auth: mountAuth.optional(),
  transports: z
    .strictObject({
      sse2024: z
        .union([
          bool,
          z.strictObject({ ssePath: mountPath.optional(), messagesPath: mountPath.optional() }),
        ])
        .optional(),
      websocket: transportPath.optional(),
    })
    .optional(),
  requestTimeoutMs: int(1, Number.MAX_SAFE_INTEGER, "a whole number of milliseconds").optional(),
});

const authorization = z.strictObject({
  serverName: text().optional(),
  scopes: list("scope").optional(),
  scopeDescriptions: z.record(z.string(), text("a description")).optional(),
  defaultScopes: list("scope").optional(),
  lifetimes: z
    .strictObject({
      accessToken: int(1).optional(),
      refreshToken: int(1).optional(),
      authorizationCode: int(1).optional(),
      refreshGrace: int(0).optional(),
      signInSession: int(1).optional(),
      unusedClient: int(1).optional(),
    })
    .optional(),
  dynamicRegistration: bool.optional(),
  clientMetadataDocuments: bool.optional(),
  clients: z
    .array(
      z.strictObject({
        clientId: text("a client id"),
        clientSecret: text("a client secret").optional(),
        redirectUris: list("redirect URL").min(1, { error: "expected at least one redirect URL" }),
        name: text().optional(),
      }),
    )
    .optional(),
  registrationsPerHour: int(0).optional(),
  throttle: z
    .strictObject({
      perAccount: int(1).optional(),
      perAddress: int(1).optional(),
      windowSeconds: int(1).optional(),
    })
    .optional(),
});

const SERVER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const rateLimitRule = z.strictObject({
  by: z.enum(["principal", "key", "address", "tool"], {
    error: 'expected "principal", "key", "address" or "tool"',
  }),
  limit: int(1),
  windowSeconds: positive("a positive number of seconds"),
  burst: int(1).optional(),
  tools: list("tool name").optional(),
  servers: list("server name").optional(),
});

/** The schema of a whole config. */
export const configSchema: z.ZodType<BerthConfig> = z.strictObject({
  listen: listen.optional(),
  store: z
    .string({ error: "expected a store URL" })
    .refine((value) => value === "" || value === "memory:" || value.startsWith("sqlite:"), {
      error: 'expected "sqlite:", "sqlite:/absolute/path.db" or "memory:"',
    })
    .optional(),
  dataDir: text("a directory").optional(),
  authorization: authorization.optional(),
  stateSecret: z
    .string({ error: "expected a string of at least 32 characters" })
    .min(32, { error: "expected at least 32 characters (a random secret)" })
    .optional(),
  servers: z.record(
    z.string().regex(SERVER_NAME, {
      error: "a server name is letters, digits, '.', '_' or '-', starting with a letter or digit",
    }),
    mount,
    { error: "expected an object of servers by name" },
  ),
  metrics: z
    .strictObject({
      enabled: bool.optional(),
      path: mountPath.optional(),
      token: text("a token").optional(),
      collectDefault: bool.optional(),
    })
    .optional(),
  logging: z
    .strictObject({
      level: z
        .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
          error: "expected fatal, error, warn, info, debug, trace or silent",
        })
        .optional(),
      format: z.enum(["json", "pretty"], { error: 'expected "json" or "pretty"' }).optional(),
      audit: z
        .union([
          z.literal(false),
          z.strictObject({
            arguments: z
              .enum(["redact", "omit", "full"], { error: 'expected "redact", "omit" or "full"' })
              .optional(),
            redactKeys: list("key").optional(),
          }),
        ])
        .optional(),
    })
    .optional(),
  tracing: z.strictObject({ enabled: bool.optional(), tracerName: text().optional() }).optional(),
  rateLimits: z
    .strictObject({
      rules: z.array(rateLimitRule, { error: "expected a list of rules" }),
      concurrency: z.strictObject({ perPrincipal: int(1).optional() }).optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      maxBodyBytes: int(1).optional(),
      maxHeaderBytes: int(1024).optional(),
      headersTimeoutMs: int(1).optional(),
      requestTimeoutMs: int(0).optional(),
      keepAliveTimeoutMs: int(0).optional(),
      maxRequestsPerSocket: int(0).optional(),
    })
    .optional(),
  shutdown: z
    .strictObject({
      drainSeconds: numeric(
        z.number({ error: "expected a number of seconds" }).min(0, { error: "expected 0 or more" }),
      ).optional(),
    })
    .optional(),
});
