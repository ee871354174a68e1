import type { IncomingMessage } from "node:http";
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";
import { setBounded } from "../../auth/bounded-map.js";
import type { Principal } from "../../engine/context.js";
import type { CallEnd, CallObserver, CallOutcome } from "../../engine/observer.js";
import { hopsOf, peerAddress, type TrustedProxies } from "../../transport/http/client-address.js";
import type { HostPlugin, MountInfo } from "../plugin.js";
import { addResponseHeader } from "../response.js";
import {
  type ApiKeyEvent,
  type AuditEvent,
  type AuditOptions,
  argumentsJson,
  DEFAULT_REDACT_KEYS,
  jsonRedactor,
  redactor,
} from "./audit.js";
import {
  field,
  flatString,
  LineSink,
  LineStart,
  lineEnd,
  lineStart,
  millisText,
  numberField,
  plainField,
} from "./json-lines.js";
import {
  connectionAddressField,
  httpRequestFields,
  MountLineFields,
  principalFields,
} from "./line-fields.js";
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
class RequestRecord {
  principal: Principal | undefined = undefined;
  mcpMethod: string | undefined = undefined;
  mcpName: string | undefined = undefined;
  /** True while this plugin is still to write the request's line. */
  lineOpen = false;
  /** The audit fields of a tool call the request carried, written with its request line. */
  audit: string | undefined = undefined;
  /** `,"requestId":"…"`, written once (the id is a checked token: no escaping). */
  readonly idField: string;
  /** The kept fields of the mount the request is for, if any. */
  fields: MountLineFields | undefined = undefined;

  constructor(readonly id: string) {
    this.idField = flatString(plainField("requestId", id));
  }
}

/** Where a request's record is kept on the request itself (cheaper than a WeakMap). */
const RECORD = Symbol("berth.requestRecord");

/** A request the logging plugin has seen. */
interface Recorded extends IncomingMessage {
  [RECORD]?: RequestRecord;
}

const LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];
/** API key use is audited once per key, address and mount in this window. */
const KEY_USE_WINDOW_MS = 60_000;
const KEY_USE_LIMIT = 10_000;
/** pino's number for the `info` level. */
const INFO = 30;
/** What every audit line of a tool call starts with, after the time. */
const TOOL_CALL = ',"audit":true,"event":"tool-call"';
const TOOL_CALL_END = lineEnd("tool call");
const INFO_START = new LineStart("info");
const TOOL_CALL_START = new LineStart("info", TOOL_CALL);
const REQUEST_END = lineEnd("request");
const DURATION = ',"durationMs":';
const CALL_DURATION = ',"callDurationMs":';
const ARGUMENTS = ',"arguments":';
/** `,"outcome":"…"` of each outcome. */
const OUTCOME_FIELDS: Readonly<Record<CallOutcome, string>> = {
  ok: plainField("outcome", "ok"),
  tool_error: plainField("outcome", "tool_error"),
  input_required: plainField("outcome", "input_required"),
  cancelled: plainField("outcome", "cancelled"),
  error: plainField("outcome", "error"),
};
/** `,"status":n` of the statuses written so far, by status. */
const STATUS_FIELDS: string[] = [];

/** `,"status":n`: HTTP statuses are three digits (0 when no answer was sent). */
function statusField(status: number): string {
  if (!(Number.isInteger(status) && status >= 0 && status < 1000))
    return numberField("status", status);
  let text = STATUS_FIELDS[status];
  if (text === undefined) {
    text = flatString(numberField("status", status));
    STATUS_FIELDS[status] = text;
  }
  return text;
}

/**
 * Structured logs of a host with pino: one line per HTTP request (request id, mount,
 * method, status, duration, caller, MCP method and name) and an audit log of every tool
 * call, sign-in and token (lines marked `"audit": true`). A tool call carried by one HTTP
 * request is written as one line holding both: its audit fields and the request's (unless
 * the audit log has its own destination). The request id comes from a valid
 * `X-Request-Id` header or is generated, and is echoed in the response.
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
  // Every line of the plugin, pino's and the hot path's own, goes through one sink per
  // destination: written together once per turn of the event loop, in order.
  const sinkOf = (out: NodeJS.WritableStream | undefined): LineSink => {
    if (format === "pretty") return new LineSink(prettyDestination(out ?? process.stderr));
    return new LineSink(
      (out as DestinationStream | undefined) ?? pino.destination({ dest: 2, sync: true }),
    );
  };
  const sink = sinkOf(options.destination);
  const logger = pino({ ...shape, level }, sink);
  // Whether request lines are written, kept up to date rather than asked of pino per request.
  let requestLines = logger.levelVal <= INFO;
  logger.on("level-change", () => {
    requestLines = logger.levelVal <= INFO;
  });

  const audit = options.audit === false ? undefined : (options.audit ?? {});
  // The audit log does not depend on the log level: it is a record, not a diagnostic.
  const auditSink = audit && (audit.destination ? sinkOf(audit.destination) : sink);
  const auditLog = auditSink && pino({ ...shape, level: "info" }, auditSink).child({ audit: true });
  const policy = audit?.arguments ?? "redact";
  if (!["redact", "omit", "full"].includes(policy))
    throw new Error(`Unknown audit arguments policy "${policy}": use redact, omit or full`);
  const redactKeys = audit?.redactKeys ?? DEFAULT_REDACT_KEYS;
  const redact = redactor(redactKeys);
  const redactJson = jsonRedactor(redactKeys);
  // A tool call's audit fields ride on its request line when both go to one place.
  const sharedLine = auditSink === sink;

  // The record of a request is found on the request: the hooks get it, and so do calls
  // (`httpRequest`). No async context: Node 20's AsyncLocalStorage slows every promise.
  const recordOf = (req: Recorded): RequestRecord => {
    let record = req[RECORD];
    if (!record) {
      record = new RequestRecord(requestIdOf(req));
      req[RECORD] = record;
    }
    return record;
  };
  const keyUses = new Map<string, number>();
  // The kept fields of each mount's lines, by mount name.
  const mountFields = new Map<string, MountLineFields>();
  const fieldsOf = (mount: MountInfo): MountLineFields => {
    let fields = mountFields.get(mount.name);
    if (fields === undefined) {
      fields = new MountLineFields(mount);
      mountFields.set(mount.name, fields);
    }
    return fields;
  };
  const trustProxy = options.trustProxy;
  // Without proxies in front, a request's address is its connection's: written once per
  // connection, not once per request.
  const addressField =
    hopsOf(trustProxy) > 0
      ? (req: IncomingMessage) => field("address", peerAddress(req, trustProxy))
      : connectionAddressField;
  const callerFields = principalFields();

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

  // The request's line, once its response is done: the same function for every request.
  const endRequest = (status: number, durationMs: number, req: IncomingMessage): void => {
    const record = (req as Recorded)[RECORD];
    if (!record) return;
    record.lineOpen = false;
    const common =
      record.idField +
      httpRequestFields(record.fields, req.method ?? "", req.url ?? "/") +
      addressField(req) +
      statusField(status) +
      DURATION +
      millisText(durationMs);
    if (record.audit !== undefined) {
      sink.write(
        (status >= 500 ? lineStart("error") + TOOL_CALL : TOOL_CALL_START.text()) +
          common +
          record.audit +
          TOOL_CALL_END,
      );
      return;
    }
    const start = status >= 500 ? lineStart("error") : INFO_START.text();
    const principal = record.principal;
    const headers = req.headers;
    sink.write(
      start +
        common +
        field("subject", principal?.subject) +
        field("via", principal?.via) +
        field("clientId", principal?.clientId) +
        field("mcpMethod", record.mcpMethod ?? single(headers["mcp-method"])) +
        field("mcpName", record.mcpName ?? single(headers["mcp-name"])) +
        REQUEST_END,
    );
  };

  return {
    name: "logging",
    logger,
    audit: writeAudit,
    request(req, res, mount) {
      const record = recordOf(req);
      addResponseHeader(res, "x-request-id", record.id);
      if (!requestLines) return undefined;
      record.lineOpen = true;
      if (mount) record.fields = fieldsOf(mount);
      return endRequest;
    },
    admit(mount) {
      return (req, principal) => {
        const record = (req as Recorded)[RECORD];
        if (record) record.principal = principal;
        if (auditLog && principal.via === "api-key") noteKeyUse(req, principal, mount);
        return undefined;
      };
    },
    observer(mount): CallObserver {
      const fields = fieldsOf(mount);
      // A tool call's audit fields, once it has ended: one function for every call (none
      // when the audit log is off).
      const endCall: CallEnd | undefined =
        auditSink &&
        ((outcome, error, durationMs, call) => {
          const record = (call.httpRequest as Recorded | undefined)?.[RECORD];
          const audited =
            fields.tool(call.name) +
            callerFields(call.principal) +
            argumentsField(argumentsJson(policy, redactJson, call.params["arguments"])) +
            OUTCOME_FIELDS[outcome] +
            CALL_DURATION +
            millisText(durationMs) +
            field(
              "error",
              outcome === "error" && error instanceof Error ? error.message : undefined,
            );
          // One line with the request's fields, when its line is still to come and has no
          // other call on it; otherwise a line of its own.
          if (sharedLine && record?.lineOpen && record.audit === undefined) record.audit = audited;
          else
            auditSink.write(
              TOOL_CALL_START.text() +
                (record ? record.idField : "") +
                fields.mount +
                audited +
                TOOL_CALL_END,
            );
        });
      return {
        start(call) {
          const record = (call.httpRequest as Recorded | undefined)?.[RECORD];
          if (record) {
            record.mcpMethod ??= call.method;
            record.mcpName ??= call.name;
            record.principal ??= call.principal;
          }
          return call.method === "tools/call" ? endCall : undefined;
        },
      };
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (auditSink && auditSink !== sink) auditSink.flush();
        logger.flush(() => resolve());
      }),
  };
}

/** `,"arguments":json`, or "" when they are left out. */
function argumentsField(json: string | undefined): string {
  return json === undefined ? "" : ARGUMENTS + json;
}

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}
