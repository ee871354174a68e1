import type { IncomingMessage } from "node:http";
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import { setBounded } from "../../auth/bounded-map.js";
import type { Principal } from "../../engine/context.js";
import type { CallObserver } from "../../engine/observer.js";
import { peerAddress, type TrustedProxies } from "../../transport/http/client-address.js";
import type { HostPlugin, MountInfo } from "../plugin.js";
import {
  type ApiKeyEvent,
  type AuditEvent,
  type AuditOptions,
  argumentsFor,
  DEFAULT_REDACT_KEYS,
  redactor,
} from "./audit.js";
import { prettyDestination } from "./pretty.js";
import { requestIdOf } from "./request-id.js";

/** Options of {@link loggingPlugin}. */
export interface LoggingOptions {
  /** Least severe level written: trace, debug, info, warn, error, fatal or silent (default info). */
  level?: string;
  /** `json`: one JSON object per line (default); `pretty`: one readable line per event. */
  format?: "json" | "pretty";
  /** Where lines go (default stderr). */
  destination?: NodeJS.WritableStream;
  /** The audit log of tool calls, sign-ins and tokens (default on, arguments redacted); `false` turns it off. */
  audit?: false | AuditOptions;
  /**
   * How many reverse proxies in front append to `X-Forwarded-For` (`true` is one; default
   * none): the caller's address is read that many entries from the right.
   */
  trustProxy?: TrustedProxies;
}

/** The logging plugin, with its logger (for the host's own messages) and the audit log. */
export interface LoggingPlugin extends HostPlugin {
  readonly logger: Logger;
  /** Write an event from outside the engine to the audit log (nothing when it is off). */
  audit(event: AuditEvent): void;
}

/** What the request log learns about one HTTP request while it is answered. */
interface RequestRecord {
  readonly id: string;
  principal: Principal | undefined;
  mcpMethod: string | undefined;
  mcpName: string | undefined;
}

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];
/** API key use is audited once per key, address and mount in this window. */
const KEY_USE_WINDOW_MS = 60_000;
const KEY_USE_LIMIT = 10_000;

/**
 * Structured logs of a host with pino: one line per HTTP request (request id, mount,
 * method, status, duration, caller, MCP method and name) and an audit log of every tool
 * call, sign-in and token (lines marked `"audit": true`). The request id comes from a
 * valid `X-Request-Id` header or is generated, and is echoed in the response.
 *
 * @example
 * const logging = loggingPlugin({ level: "info", audit: { arguments: "redact" } });
 * const oauth = new AuthorizationServer({ store, events: (event) => logging.audit(event) });
 */
export function loggingPlugin(options: LoggingOptions = {}): LoggingPlugin {
  const level = options.level ?? "info";
  if (!LEVELS.includes(level))
    throw new Error(`Unknown log level "${level}": use one of ${LEVELS.join(", ")}`);
  const format = options.format ?? "json";
  if (format !== "json" && format !== "pretty")
    throw new Error(`Unknown log format "${String(format)}": use "json" or "pretty"`);
  const shape: LoggerOptions = {
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  const destinationOf = (out: NodeJS.WritableStream | undefined): DestinationStream => {
    if (format === "pretty") return prettyDestination(out ?? process.stderr);
    return out ?? pino.destination({ dest: 2, sync: true });
  };
  const destination = destinationOf(options.destination);
  const logger = pino({ ...shape, level }, destination);

  const audit = options.audit === false ? undefined : (options.audit ?? {});
  // The audit log does not depend on the log level: it is a record, not a diagnostic.
  const auditLog =
    audit &&
    pino(
      { ...shape, level: "info" },
      audit.destination ? destinationOf(audit.destination) : destination,
    ).child({ audit: true });
  const policy = audit?.arguments ?? "redact";
  if (!["redact", "omit", "full"].includes(policy))
    throw new Error(`Unknown audit arguments policy "${policy}": use redact, omit or full`);
  const redact = redactor(audit?.redactKeys ?? DEFAULT_REDACT_KEYS);

  // The record of a request is found by the request: the hooks get it, and so do calls
  // (`httpRequest`). No async context: Node 20's AsyncLocalStorage slows every promise.
  const records = new WeakMap<IncomingMessage, RequestRecord>();
  const recordOf = (req: IncomingMessage): RequestRecord => {
    let record = records.get(req);
    if (!record) {
      record = {
        id: requestIdOf(req),
        principal: undefined,
        mcpMethod: undefined,
        mcpName: undefined,
      };
      records.set(req, record);
    }
    return record;
  };
  const keyUses = new Map<string, number>();
  const trustProxy = options.trustProxy;

  const writeAudit = (event: AuditEvent): void => {
    if (!auditLog) return;
    const { type, ...fields } = event;
    const what = "outcome" in event ? event.outcome : event.action;
    auditLog.info({ event: type, ...(redact(fields) as object) }, `${type} ${what}`);
  };

  const noteKeyUse = (req: IncomingMessage, principal: Principal, mount: MountInfo): void => {
    const address = peerAddress(req, trustProxy);
    const key = `${principal.keyId ?? principal.subject ?? ""}\n${address}\n${mount.name}`;
    const now = Date.now();
    const last = keyUses.get(key);
    if (last !== undefined && now - last < KEY_USE_WINDOW_MS) return;
    setBounded(keyUses, key, now, KEY_USE_LIMIT);
    const event: ApiKeyEvent = { type: "api-key", action: "used", address, mount: mount.name };
    if (principal.subject !== undefined) event.subject = principal.subject;
    if (principal.keyId !== undefined) event.keyId = principal.keyId;
    writeAudit(event);
  };

  return {
    name: "logging",
    logger,
    audit: writeAudit,
    request(req, res, mount) {
      const record = recordOf(req);
      res.setHeader("x-request-id", record.id);
      if (!logger.isLevelEnabled("info")) return undefined;
      const started = performance.now();
      return (status) => {
        const headers = req.headers;
        const principal = record.principal;
        const url = req.url ?? "/";
        const query = url.indexOf("?");
        const line = {
          requestId: record.id,
          mount: mount?.name,
          method: req.method,
          path: query < 0 ? url : url.slice(0, query),
          address: peerAddress(req, trustProxy),
          status,
          durationMs: Math.round((performance.now() - started) * 100) / 100,
          subject: principal?.subject,
          via: principal?.via,
          clientId: principal?.clientId,
          mcpMethod: record.mcpMethod ?? single(headers["mcp-method"]),
          mcpName: record.mcpName ?? single(headers["mcp-name"]),
        };
        if (status >= 500) logger.error(line, "request");
        else logger.info(line, "request");
      };
    },
    admit(mount) {
      return (req, principal) => {
        const record = records.get(req);
        if (record) record.principal = principal;
        if (auditLog && principal.via === "api-key") noteKeyUse(req, principal, mount);
        return undefined;
      };
    },
    observer(mount): CallObserver {
      return {
        start(call) {
          const record = call.httpRequest ? records.get(call.httpRequest) : undefined;
          if (record) {
            record.mcpMethod ??= call.method;
            record.mcpName ??= call.name;
            record.principal ??= call.principal;
          }
          if (!auditLog || call.method !== "tools/call") return undefined;
          const started = performance.now();
          return (outcome, error) => {
            const principal = call.principal;
            auditLog.info(
              {
                event: "tool-call",
                requestId: record?.id,
                mount: mount.name,
                server: call.server,
                tool: call.name,
                subject: principal.subject,
                via: principal.via,
                clientId: principal.clientId,
                keyId: principal.keyId,
                arguments: argumentsFor(policy, redact, call.params["arguments"]),
                outcome,
                durationMs: Math.round((performance.now() - started) * 100) / 100,
                error: outcome === "error" && error instanceof Error ? error.message : undefined,
              },
              "tool call",
            );
          };
        },
      };
    },
    close: () => new Promise<void>((resolve) => logger.flush(() => resolve())),
  };
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}
