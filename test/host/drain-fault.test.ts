import { type ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { modernMeta } from "../support/http.js";
import { tempDir } from "./support.js";

/** What became of one request. */
type Outcome =
  | { id: number; kind: "ok"; text: string | undefined }
  | { id: number; kind: "unavailable"; retryAfter: string | undefined; code: number | undefined }
  | { id: number; kind: "other-status"; status: number; body: string }
  | { id: number; kind: "network"; code: string };

const TOTAL = 200;
const LATE = 60;
const DRAIN_SECONDS = 5;

/** A tools/call of `slow` with `id`, over `agent`. */
function callSlow(url: URL, id: number, agent: Agent): Promise<Outcome> {
  const body = JSON.stringify({
    jsonrpc: "2.0",
    id,
    method: "tools/call",
    params: { name: "slow", arguments: { id }, _meta: modernMeta() },
  });
  return new Promise((resolvePromise) => {
    const req = httpRequest(
      url,
      {
        method: "POST",
        agent,
        timeout: 15_000,
        headers: {
          "content-type": "application/json",
          accept: "application/json",
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": "tools/call",
          "mcp-name": "slow",
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("error", (error: NodeJS.ErrnoException) =>
          resolvePromise({ id, kind: "network", code: `mid-response ${error.code}` }),
        );
        res.on("end", () => {
          const parsed = JSON.parse(text || "{}");
          if (res.statusCode === 200)
            resolvePromise({ id, kind: "ok", text: parsed.result?.content?.[0]?.text });
          else if (res.statusCode === 503)
            resolvePromise({
              id,
              kind: "unavailable",
              retryAfter: res.headers["retry-after"],
              code: parsed.error?.code,
            });
          else
            resolvePromise({ id, kind: "other-status", status: res.statusCode ?? 0, body: text });
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error("no answer within 15 s")));
    req.on("error", (error: NodeJS.ErrnoException) =>
      resolvePromise({ id, kind: "network", code: error.code ?? error.message }),
    );
    req.end(body);
  });
}

/**
 * SIGTERM during load, on the real CLI: `berth serve --config` (from dist/) with a tool
 * that takes 400 ms. 200 calls are under way when the signal comes; each must end in its
 * result or a retryable refusal, and the process must exit 0 within the drain deadline.
 */
describe("SIGTERM while 200 calls are in flight", () => {
  const dir = tempDir();
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill("SIGKILL");
    dir.remove();
  });

  it("finishes or refuses every call, loses none, and exits 0", async () => {
    const dist = resolve("dist/src/index.js");
    writeFileSync(
      join(dir.path, "slow.mjs"),
      `import { createServer } from ${JSON.stringify(dist)};
export const server = createServer({ name: "slow", version: "1.0.0" });
const input = { type: "object", properties: { id: { type: "number" } }, required: ["id"] };
server.tool("slow", { input }, async ({ id }) => {
  process.stderr.write("started " + id + "\\n");
  await new Promise((done) => setTimeout(done, 400));
  return "done " + id;
});
`,
    );
    const config = join(dir.path, "berth.config.json");
    writeFileSync(
      config,
      JSON.stringify({
        listen: { port: 0 },
        servers: { slow: { module: "./slow.mjs:server" } },
        shutdown: { drainSeconds: DRAIN_SECONDS },
        logging: { level: "silent" },
      }),
    );
    const spawned = spawn(
      process.execPath,
      [resolve("dist/src/cli/main.js"), "serve", "--config", config],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    child = spawned;
    const started = new Set<number>();
    let output = "";
    const seen = (pattern: RegExp) =>
      new Promise<RegExpExecArray>((resolvePromise, reject) => {
        const look = () => {
          const match = pattern.exec(output);
          if (match) {
            spawned.stderr?.off("data", look);
            resolvePromise(match);
          }
        };
        spawned.stderr?.on("data", look);
        spawned.once("exit", () => reject(new Error(`the host exited: ${output}`)));
        look();
      });
    spawned.stderr?.setEncoding("utf8");
    spawned.stderr?.on("data", (chunk: string) => {
      output += chunk;
      for (const match of chunk.matchAll(/started (\d+)/g)) started.add(Number(match[1]));
    });
    const exited = new Promise<number | null>((done) => spawned.once("exit", (code) => done(code)));
    const url = new URL((await seen(/ {2}slow {2}(\S+)/))[1]!);

    // Connections opened before the signal and left idle: requests sent on them after it
    // reach a draining server.
    const warm = new Agent({ keepAlive: true, maxSockets: LATE });
    const fresh = new Agent({ keepAlive: false });
    await Promise.all(
      Array.from(
        { length: LATE },
        () =>
          new Promise<void>((done, fail) =>
            httpRequest(new URL("/healthz", url), { agent: warm }, (res) =>
              res.resume().on("end", done),
            )
              .on("error", fail)
              .end(),
          ),
      ),
    );

    const outcomes: Promise<Outcome>[] = [];
    const early = TOTAL - LATE;
    for (let id = 0; id < early; id++) outcomes.push(callSlow(url, id, fresh));
    let pending = early;
    for (const outcome of outcomes) void outcome.then(() => pending--);
    // The signal comes while most calls run and the last ones are still arriving.
    while (started.size < 100 && pending > 0) await new Promise((done) => setTimeout(done, 1));
    spawned.kill("SIGTERM");
    const signalled = Date.now();
    await seen(/SIGTERM: draining/);
    for (let id = early; id < TOTAL; id++) outcomes.push(callSlow(url, id, warm));

    const results = await Promise.all(outcomes);
    const code = await exited;
    const stoppedAfterMs = Date.now() - signalled;
    warm.destroy();
    fresh.destroy();

    const byKind = (kind: Outcome["kind"]) => results.filter((result) => result.kind === kind);
    expect(byKind("other-status")).toEqual([]);
    for (const result of byKind("ok")) expect(result).toMatchObject({ text: `done ${result.id}` });
    for (const result of byKind("unavailable"))
      expect(result).toMatchObject({ retryAfter: "1", code: -32030 });
    // Every call reached the server before it stopped accepting: none was reset or refused.
    expect(byKind("network")).toEqual([]);
    // Every call that started finished with its result.
    const finished = new Set(byKind("ok").map((result) => result.id));
    expect([...started].filter((id) => !finished.has(id))).toEqual([]);
    expect(results).toHaveLength(TOTAL);
    expect(finished.size).toBeGreaterThanOrEqual(40);
    expect(byKind("unavailable").length).toBeGreaterThan(0);
    expect(code).toBe(0);
    expect(stoppedAfterMs).toBeLessThan(DRAIN_SECONDS * 1000);
  }, 30_000);
});
