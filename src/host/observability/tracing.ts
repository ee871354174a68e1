import type { IncomingMessage } from "node:http";
import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  isValidSpanId,
  isValidTraceId,
  ProxyTracerProvider,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { CallObserver, CallOutcome, CallStart } from "../../engine/observer.js";
import { BerthError } from "../../errors.js";
import type { HostPlugin } from "../plugin.js";

/** Options of {@link tracingPlugin}. */
export interface TracingOptions {
  /** The instrumentation scope of Berth's spans (default `berth`). */
  tracerName?: string;
}

/** The provider the API delegates to while no SDK is registered. */
const NOOP_PROVIDER = new ProxyTracerProvider().getDelegate();

/**
 * Whether an OpenTelemetry SDK has registered a tracer provider. Until one has, the plugin
 * does no work at all: no context, no span objects.
 */
function sdkRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOOP_PROVIDER;
}

const TRACEPARENT = /^([\da-f]{2})-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})(-.*)?$/;

/**
 * The caller's trace context: through the registered propagator, or, when none is
 * registered (an SDK set up without one), from a W3C `traceparent` header read here.
 */
function parentOf(req: IncomingMessage): Context {
  if (propagation.fields().length > 0)
    return propagation.extract(ROOT_CONTEXT, req.headers, defaultTextMapGetter);
  const header = req.headers.traceparent;
  const match = typeof header === "string" ? TRACEPARENT.exec(header.trim()) : null;
  if (!match || match[1] === "ff" || (match[1] === "00" && match[5] !== undefined))
    return ROOT_CONTEXT;
  const [, , traceId = "", spanId = "", flags = "00"] = match;
  if (!isValidTraceId(traceId) || !isValidSpanId(spanId)) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId,
    spanId,
    traceFlags: Number.parseInt(flags, 16) & 1,
    isRemote: true,
  });
}

/** The span of one engine call: its name and attributes, after the MCP semantic conventions. */
function callSpan(call: CallStart): { name: string; attributes: Attributes } {
  const attributes: Attributes = { "mcp.method.name": call.method, "berth.server": call.server };
  let name = call.method;
  if (call.name !== undefined) {
    if (call.method === "tools/call") {
      name = `${call.method} ${call.name}`;
      attributes["gen_ai.tool.name"] = call.name;
      attributes["gen_ai.operation.name"] = "execute_tool";
    } else if (call.method === "prompts/get") {
      name = `${call.method} ${call.name}`;
      attributes["gen_ai.prompt.name"] = call.name;
    } else if (call.method === "resources/read") {
      // A URI is unbounded: an attribute, never part of the span name.
      attributes["mcp.resource.uri"] = call.name;
    }
  }
  return { name, attributes };
}

/** Mark an engine call's span with how it ended. */
function endCall(span: Span, outcome: CallOutcome, error: unknown): void {
  span.setAttribute("berth.outcome", outcome);
  if (outcome === "error") {
    const type =
      error instanceof BerthError ? error.code : error instanceof Error ? error.name : "error";
    span.setAttribute("error.type", type);
    span.setStatus({
      code: SpanStatusCode.ERROR,
      ...(error instanceof Error ? { message: error.message } : {}),
    });
  } else if (outcome === "tool_error") {
    span.setAttribute("error.type", "tool_error");
    span.setStatus({ code: SpanStatusCode.ERROR, message: "The tool returned an error" });
  }
  span.end();
}

/**
 * OpenTelemetry traces of a host, through `@opentelemetry/api`: a SERVER span per HTTP
 * request (continuing the caller's W3C `traceparent`), made the active context while the
 * request is handled, and a child span per engine call (`tools/call add`), active while its
 * handler runs, so spans the handler starts are children of the call. Spans go to
 * whatever SDK the application registers; without one, nothing is done.
 *
 * @example
 * // Register an SDK first (NodeSDK, or a NodeTracerProvider with an exporter), then:
 * await startHost(config, { plugins: [tracingPlugin()] });
 */
export function tracingPlugin(options: TracingOptions = {}): HostPlugin {
  const tracerName = options.tracerName ?? "berth";
  const spans = new WeakMap<IncomingMessage, Span>();

  return {
    name: "tracing",
    enter(req, run) {
      if (!sdkRegistered()) {
        run();
        return;
      }
      const parent = parentOf(req);
      const url = req.url ?? "/";
      const query = url.indexOf("?");
      const method = req.method ?? "GET";
      const span = trace.getTracer(tracerName).startSpan(
        method,
        {
          kind: SpanKind.SERVER,
          attributes: {
            "http.request.method": method,
            "url.path": query < 0 ? url : url.slice(0, query),
          },
        },
        parent,
      );
      if (!span.isRecording()) {
        run();
        return;
      }
      spans.set(req, span);
      context.with(trace.setSpan(parent, span), run);
    },
    request(req, _res, mount) {
      if (!sdkRegistered()) return undefined;
      return (status) => {
        const span = spans.get(req);
        if (!span) return;
        spans.delete(req);
        if (mount) {
          span.updateName(`${req.method ?? "GET"} ${mount.path}`);
          span.setAttributes({ "http.route": mount.path, "berth.mount": mount.name });
        }
        if (status > 0) span.setAttribute("http.response.status_code", status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        else if (status === 0)
          span.setStatus({ code: SpanStatusCode.ERROR, message: "Closed before a response" });
        span.end();
      };
    },
    observer(): CallObserver {
      const callSpans = new WeakMap<CallStart, Span>();
      return {
        start(call) {
          if (!sdkRegistered()) return undefined;
          const { name, attributes } = callSpan(call);
          const span = trace
            .getTracer(tracerName)
            .startSpan(name, { kind: SpanKind.INTERNAL, attributes }, context.active());
          if (!span.isRecording()) return undefined;
          callSpans.set(call, span);
          return (outcome, error) => {
            callSpans.delete(call);
            endCall(span, outcome, error);
          };
        },
        // The handler runs with the call's span active: spans it starts are the call's children.
        run(call, handler) {
          const span = callSpans.get(call);
          return span ? context.with(trace.setSpan(context.active(), span), handler) : handler();
        },
      };
    },
  };
}
