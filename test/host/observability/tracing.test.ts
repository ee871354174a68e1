import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { ANONYMOUS, createServer, tracingPlugin } from "berth";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { AsyncLocalStorageContextManager } from "./context-manager.js";
import { type Harness, startHarness } from "./harness.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;

/** Trace ids the tools saw as active while they ran. */
const seenByHandlers: (string | undefined)[] = [];

function calculator() {
  const server = createServer({ name: "calculator", version: "1.0.0" });
  server.tool("add", { input: z.object({ a: z.number(), b: z.number() }) }, ({ a, b }) => {
    seenByHandlers.push(trace.getActiveSpan()?.spanContext().traceId);
    return String(a + b);
  });
  server.tool("work", {}, async () => {
    await new Promise((resolve) => setImmediate(resolve));
    trace.getTracer("handler").startSpan("handler work").end();
    return "done";
  });
  server.tool("boom", {}, () => {
    throw new Error("exploded");
  });
  server.resource("readme", "file:///readme.md", {}, () => "hello");
  return server;
}

const exporter = new InMemorySpanExporter();
let harness: Harness;
beforeAll(async () => {
  harness = await startHarness(calculator(), [tracingPlugin()]);
});
afterAll(() => harness.close());
afterEach(() => {
  exporter.reset();
  seenByHandlers.length = 0;
});

const spanNamed = (name: string): ReadableSpan | undefined =>
  exporter.getFinishedSpans().find((span) => span.name === name);

describe("without an OpenTelemetry SDK", () => {
  it("does no tracing work and leaves no span active in handlers", async () => {
    const getTracer = vi.spyOn(trace, "getTracer");
    const extract = vi.spyOn(propagation, "extract");
    try {
      const answer = await harness.modern(
        "tools/call",
        { name: "add", arguments: { a: 1, b: 2 } },
        { traceparent: TRACEPARENT },
      );
      expect(answer.body.result.content[0].text).toBe("3");
      const call = { server: "calculator", method: "tools/call", name: "add" };
      const observer = tracingPlugin().observer!(harness.mount)!;
      expect(
        observer.start({ ...call, principal: ANONYMOUS, params: {}, httpRequest: undefined }),
      ).toBeUndefined();
      expect(getTracer).not.toHaveBeenCalled();
      expect(extract).not.toHaveBeenCalled();
      expect(seenByHandlers).toEqual([undefined]);
    } finally {
      getTracer.mockRestore();
      extract.mockRestore();
    }
  });
});

describe("with an OpenTelemetry SDK", () => {
  beforeAll(() => {
    const provider = new BasicTracerProvider({
      spanProcessors: [new SimpleSpanProcessor(exporter)],
    });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager());
    trace.setGlobalTracerProvider(provider);
  });
  afterAll(() => {
    trace.disable();
    context.disable();
    propagation.disable();
  });

  it("continues the caller's trace with a server span for the request", async () => {
    await harness.modern(
      "tools/call",
      { name: "add", arguments: { a: 1, b: 2 } },
      { traceparent: TRACEPARENT },
    );
    await vi.waitFor(() => expect(spanNamed("POST /mcp")).toBeDefined());
    const server = spanNamed("POST /mcp")!;
    expect(server.kind).toBe(SpanKind.SERVER);
    expect(server.spanContext().traceId).toBe(TRACE_ID);
    expect(server.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(server.attributes).toMatchObject({
      "http.request.method": "POST",
      "url.path": "/mcp",
      "http.route": "/mcp",
      "http.response.status_code": 200,
      "berth.mount": "calc",
    });
    expect(seenByHandlers).toEqual([TRACE_ID]);
  });

  it("adds a child span per tool call, named after the tool", async () => {
    await harness.modern(
      "tools/call",
      { name: "add", arguments: { a: 1, b: 2 } },
      { traceparent: TRACEPARENT },
    );
    await vi.waitFor(() => expect(spanNamed("POST /mcp")).toBeDefined());
    const server = spanNamed("POST /mcp")!;
    const call = spanNamed("tools/call add")!;
    expect(call.kind).toBe(SpanKind.INTERNAL);
    expect(call.spanContext().traceId).toBe(TRACE_ID);
    expect(call.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(call.attributes).toMatchObject({
      "mcp.method.name": "tools/call",
      "gen_ai.tool.name": "add",
      "berth.outcome": "ok",
    });
    expect(call.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("makes the call's span the parent of spans its handler starts", async () => {
    await harness.modern(
      "tools/call",
      { name: "work", arguments: {} },
      { traceparent: TRACEPARENT },
    );
    await vi.waitFor(() => expect(spanNamed("POST /mcp")).toBeDefined());
    const call = spanNamed("tools/call work")!;
    const work = spanNamed("handler work")!;
    expect(work.spanContext().traceId).toBe(TRACE_ID);
    expect(work.parentSpanContext?.spanId).toBe(call.spanContext().spanId);
    expect(call.parentSpanContext?.spanId).toBe(spanNamed("POST /mcp")!.spanContext().spanId);
  });

  it("marks failed calls with an error status and type", async () => {
    await harness.modern("tools/call", { name: "boom", arguments: {} });
    await harness.modern("tools/call", { name: "missing", arguments: {} });
    await vi.waitFor(() => expect(exporter.getFinishedSpans()).toHaveLength(4));
    const boom = spanNamed("tools/call boom")!;
    expect(boom.status.code).toBe(SpanStatusCode.ERROR);
    expect(boom.attributes).toMatchObject({
      "error.type": "tool_error",
      "berth.outcome": "tool_error",
    });
    const missing = spanNamed("tools/call missing")!;
    expect(missing.status.code).toBe(SpanStatusCode.ERROR);
    expect(missing.attributes).toMatchObject({ "error.type": "ERR_INVALID_PARAMS" });
  });

  it("starts a new trace without a traceparent, or with an invalid one", async () => {
    await harness.modern("tools/list");
    await harness.modern("tools/list", {}, { traceparent: `00-${"0".repeat(32)}-${PARENT_ID}-01` });
    await vi.waitFor(() => expect(exporter.getFinishedSpans()).toHaveLength(4));
    const roots = exporter.getFinishedSpans().filter((span) => span.name === "POST /mcp");
    expect(roots).toHaveLength(2);
    for (const root of roots) {
      expect(root.parentSpanContext).toBeUndefined();
      expect(root.spanContext().traceId).not.toBe("0".repeat(32));
    }
  });

  it("keeps resource URIs out of span names", async () => {
    await harness.modern("resources/read", { uri: "file:///readme.md" });
    await vi.waitFor(() => expect(spanNamed("resources/read")).toBeDefined());
    expect(spanNamed("resources/read")!.attributes["mcp.resource.uri"]).toBe("file:///readme.md");
  });

  it("uses the registered propagator when there is one", async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    await harness.modern(
      "tools/call",
      { name: "add", arguments: { a: 2, b: 2 } },
      { traceparent: TRACEPARENT, tracestate: "vendor=1" },
    );
    await vi.waitFor(() => expect(spanNamed("POST /mcp")).toBeDefined());
    const server = spanNamed("POST /mcp")!;
    expect(server.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(server.parentSpanContext?.traceState?.get("vendor")).toBe("1");
  });
});
