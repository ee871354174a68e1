import { describe, expect, it } from "vitest";
import { ANONYMOUS } from "../../src/engine/context.js";
import { type CallObserver, composeObservers, observeCall } from "../../src/engine/observer.js";
import type { JsonObject } from "../../src/engine/types.js";

const call = (observer: CallObserver | undefined, run: () => Promise<JsonObject>) =>
  observeCall(observer, "s", "tools/call", { name: "t" }, ANONYMOUS, undefined, run);

describe("call observers", () => {
  it("run the handler inside each observer's run, first observer outermost", async () => {
    const order: string[] = [];
    const wrapping = (label: string): CallObserver => ({
      start: () => (outcome) => order.push(`${label} end ${outcome}`),
      async run(_call, handler) {
        order.push(`${label} in`);
        const result = await handler();
        order.push(`${label} out`);
        return result;
      },
    });
    const plain: CallObserver = { start: () => undefined };
    const observer = composeObservers([wrapping("a"), plain, wrapping("b")]);
    const result = await call(observer, async () => {
      order.push("handler");
      return { content: [] };
    });
    expect(result).toEqual({ content: [] });
    expect(order).toEqual(["a in", "b in", "handler", "b out", "a out", "b end ok", "a end ok"]);
  });

  it("gives run the same call object start saw", async () => {
    const seen: unknown[] = [];
    const observer: CallObserver = {
      start: (started) => {
        seen.push(started);
        return () => {};
      },
      run: (started, handler) => {
        seen.push(started);
        return handler();
      },
    };
    await call(observer, async () => ({}));
    expect(seen).toHaveLength(2);
    expect(seen[0]).toBe(seen[1]);
    expect(seen[0]).toMatchObject({ method: "tools/call", name: "t" });
  });

  it("does not run the handler when start refuses the call", async () => {
    let ran = false;
    const observer: CallObserver = {
      start: () => {
        throw new Error("refused");
      },
      run: (_call, handler) => handler(),
    };
    await expect(
      call(observer, async () => {
        ran = true;
        return {};
      }),
    ).rejects.toThrow("refused");
    expect(ran).toBe(false);
  });

  it("leaves a composition without runners without run", () => {
    const observer = composeObservers([{ start: () => undefined }, { start: () => undefined }]);
    expect(observer?.run).toBeUndefined();
  });
});

describe("composed observers", () => {
  /** An observer that notes its start and end in `log`; `async` starts with a promise. */
  const noting = (log: string[], label: string, how: "sync" | "async" | "none" = "sync") => ({
    start(): ReturnType<CallObserver["start"]> {
      log.push(`start ${label}`);
      if (how === "none") return undefined;
      const end = (outcome: string) => {
        log.push(`end ${label} ${outcome}`);
      };
      return how === "async" ? Promise.resolve(end) : end;
    },
  });

  it("start in order and end in reverse order, through synchronous and async starts", async () => {
    const log: string[] = [];
    const observer = composeObservers([
      noting(log, "a"),
      noting(log, "b", "none"),
      noting(log, "c", "async"),
      noting(log, "d"),
    ]);
    await call(observer, async () => ({}));
    expect(log).toEqual([
      "start a",
      "start b",
      "start c",
      "start d",
      "end d ok",
      "end c ok",
      "end a ok",
    ]);
  });

  it("stay synchronous, and hand back the one end, when only one observer has one", () => {
    const log: string[] = [];
    const observer = composeObservers([noting(log, "a", "none"), noting(log, "b")]);
    const end = observer?.start({} as never);
    expect(typeof end).toBe("function");
    (end as (outcome: string) => void)("ok");
    expect(log).toEqual(["start a", "start b", "end b ok"]);
  });

  it("end the ones started with error when a later one refuses, before or after a promise", async () => {
    const refusing: CallObserver = {
      start() {
        throw new Error("refused");
      },
    };
    for (const middle of ["sync", "async"] as const) {
      const log: string[] = [];
      const observer = composeObservers([noting(log, "a"), noting(log, "b", middle), refusing]);
      await expect(call(observer, async () => ({}))).rejects.toThrow("refused");
      expect(log).toEqual(["start a", "start b", "end b error", "end a error"]);
    }
  });

  it("hand each end the call, so one function can serve every call", async () => {
    const seen: string[] = [];
    // The same end function for every call: what it needs comes with the call.
    const end = (outcome: string, _error: unknown, _ms: number, ended: { name?: string }) =>
      seen.push(`${ended.name} ${outcome}`);
    const shared: CallObserver = { start: () => end };
    const observer = composeObservers([shared, shared]);
    await observeCall(
      observer,
      "s",
      "tools/call",
      { name: "x" },
      ANONYMOUS,
      undefined,
      async () => ({}),
    );
    await observeCall(
      observer,
      "s",
      "tools/call",
      { name: "y" },
      ANONYMOUS,
      undefined,
      async () => ({
        isError: true,
      }),
    );
    expect(seen).toEqual(["x ok", "x ok", "y tool_error", "y tool_error"]);
  });

  it("keep each composition's ends apart when one is inside another", async () => {
    const log: string[] = [];
    const inner = composeObservers([noting(log, "a"), noting(log, "b")]) as CallObserver;
    const outer = composeObservers([inner, noting(log, "c"), noting(log, "d", "async")]);
    await call(outer, async () => ({}));
    expect(log).toEqual([
      "start a",
      "start b",
      "start c",
      "start d",
      "end d ok",
      "end c ok",
      "end b ok",
      "end a ok",
    ]);
  });
});
