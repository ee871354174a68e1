import { createServer, type RunningHost, startHost } from "berth";
import { afterEach, describe, expect, it } from "vitest";
import { modernMeta } from "../support/http.js";

/** A tool that asks the user for a name first: its answer comes back in a retry. */
function greeter() {
  const server = createServer({ name: "greeter", version: "1.0.0" });
  server.tool("greet", { description: "Asks whom to greet" }, async (_args, ctx) => {
    const answer = await ctx.elicit(
      {
        message: "Whom should I greet?",
        requestedSchema: { type: "object", properties: { name: { type: "string" } } },
      },
      { key: "name" },
    );
    return `hello ${String(answer.content?.["name"])}`;
  });
  return server;
}

async function greet(host: RunningHost, extra: Record<string, unknown> = {}) {
  const response = await fetch(new URL("/greeter/mcp", host.url), {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json",
      "mcp-protocol-version": "2026-07-28",
      "mcp-method": "tools/call",
      "mcp-name": "greet",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "tools/call",
      params: { name: "greet", arguments: {}, _meta: modernMeta({ elicitation: {} }), ...extra },
    }),
  });
  return (await response.json()) as any;
}

/** Two replicas of one host, as a load balancer would see them. */
async function replicas(stateSecret?: string): Promise<[RunningHost, RunningHost]> {
  const start = () =>
    startHost({
      listen: { port: 0 },
      servers: { greeter: { server: greeter() } },
      logging: { level: "silent" },
      ...(stateSecret ? { stateSecret } : {}),
    });
  return [await start(), await start()];
}

describe("stateSecret", () => {
  let hosts: RunningHost[] = [];
  afterEach(async () => {
    await Promise.all(hosts.map((host) => host.close()));
    hosts = [];
  });

  it("lets a retry answering input_required land on another replica when they share it", async () => {
    const [a, b] = await replicas("a-shared-secret-of-at-least-32-characters");
    hosts = [a, b];
    const asked = await greet(a);
    expect(asked.result.resultType).toBe("input_required");
    const answered = await greet(b, {
      requestState: asked.result.requestState,
      inputResponses: { name: { action: "accept", content: { name: "ada" } } },
    });
    expect(answered.result.content[0].text).toBe("hello ada");
  });

  it("refuses another replica's requestState when each process has its own", async () => {
    const [a, b] = await replicas();
    hosts = [a, b];
    const asked = await greet(a);
    const answered = await greet(b, {
      requestState: asked.result.requestState,
      inputResponses: { name: { action: "accept", content: { name: "ada" } } },
    });
    expect(answered.error?.code).toBe(-32602);
    expect(answered.result).toBeUndefined();
  });

  it("is refused when shorter than 32 characters", async () => {
    await expect(
      startHost({
        listen: { port: 0 },
        servers: { greeter: { server: greeter() } },
        stateSecret: "short",
      }),
    ).rejects.toThrow(/stateSecret: expected at least 32 characters/);
  });
});
