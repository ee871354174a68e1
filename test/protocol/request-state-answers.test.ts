import { createServer } from "berth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modernMeta, startHttp, type TestHttp } from "../support/http.js";

/** Regressions for 2026-07-28 multi-round-trip answers carried in requestState. */

let http: TestHttp;
beforeAll(async () => {
  const server = createServer({ name: "t", version: "1" });
  server.tool(
    "transfer",
    { description: "Asks for a recipient, then a confirmation" },
    async (_a, ctx) => {
      const to = await ctx.elicit(
        {
          message: "To whom?",
          requestedSchema: { type: "object", properties: { to: { type: "string" } } },
        },
        { key: "to" },
      );
      const ok = await ctx.elicit(
        {
          message: `Send $1000 to ${String(to.content?.["to"])}?`,
          requestedSchema: { type: "object", properties: {} },
        },
        { key: "ok" },
      );
      return `sent to ${String(to.content?.["to"])}: ${ok.action}`;
    },
  );
  http = await startHttp(server);
});
afterAll(() => http.close());

const call = (extra: Record<string, unknown>) =>
  http.modern("tools/call", {
    name: "transfer",
    arguments: {},
    _meta: modernMeta({ elicitation: {} }),
    ...extra,
  });

describe("requestState answers", () => {
  it("keeps an earlier round's answer when a later round tries to change it (regression: answers overwritten)", async () => {
    const first = await call({});
    const second = await call({
      requestState: first.body.result.requestState,
      inputResponses: { to: { action: "accept", content: { to: "alice" } } },
    });
    expect(second.body.result.inputRequests.ok.params.message).toBe("Send $1000 to alice?");
    const third = await call({
      requestState: second.body.result.requestState,
      inputResponses: {
        ok: { action: "accept" },
        to: { action: "accept", content: { to: "mallory" } },
      },
    });
    expect(third.body.result.content[0].text).toBe("sent to alice: accept");
  });

  it("ignores answers to questions the previous round did not ask", async () => {
    const first = await call({});
    const second = await call({
      requestState: first.body.result.requestState,
      inputResponses: {
        to: { action: "accept", content: { to: "alice" } },
        ok: { action: "accept" },
      },
    });
    expect(second.body.result.resultType).toBe("input_required");
    expect(Object.keys(second.body.result.inputRequests)).toEqual(["ok"]);
  });

  it("refuses a malformed answer with -32602", async () => {
    const first = await call({});
    const reply = await call({
      requestState: first.body.result.requestState,
      inputResponses: { to: 12345 },
    });
    expect(reply.body.error.code).toBe(-32602);
  });

  it("binds the state to the arguments whatever their key order", async () => {
    const server = createServer({ name: "t", version: "1" });
    server.tool(
      "pair",
      {
        description: "d",
        input: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } } },
      },
      async (_a, ctx) => {
        await ctx.elicit(
          { message: "ok?", requestedSchema: { type: "object", properties: {} } },
          { key: "ok" },
        );
        return "done";
      },
    );
    const local = await startHttp(server);
    try {
      const meta = modernMeta({ elicitation: {} });
      const first = await local.modern("tools/call", {
        name: "pair",
        arguments: { a: 1, b: 2 },
        _meta: meta,
      });
      const second = await local.modern("tools/call", {
        name: "pair",
        arguments: { b: 2, a: 1 },
        requestState: first.body.result.requestState,
        inputResponses: { ok: { action: "accept" } },
        _meta: meta,
      });
      expect(second.body.result.content[0].text).toBe("done");
    } finally {
      await local.close();
    }
  });
});
