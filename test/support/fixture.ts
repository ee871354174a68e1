import { createServer } from "berth";
import { z } from "zod";

/** A server with one of each feature, for protocol and transport tests. */
export function fixtureServer(options: { pageSize?: number } = {}) {
  const server = createServer({
    name: "fixture",
    version: "1.2.3",
    instructions: "Test fixture.",
    ...options,
  });
  server.tool(
    "echo",
    { description: "Echo text", input: z.object({ text: z.string().max(1000) }) },
    ({ text }) => text,
  );
  server.tool(
    "add",
    {
      description: "Add two numbers (plain JSON Schema)",
      input: {
        type: "object",
        properties: { a: { type: "number" }, b: { type: "number" } },
        required: ["a", "b"],
      },
      output: { type: "object", properties: { sum: { type: "number" } }, required: ["sum"] },
    },
    (args) => ({ sum: (args["a"] as number) + (args["b"] as number) }),
  );
  server.tool(
    "regional",
    {
      description: "Mirrors arguments into Mcp-Param headers",
      input: z.object({
        region: z.string().meta({ "x-mcp-header": "Region" }),
        shards: z.number().int().optional().meta({ "x-mcp-header": "Shards" }),
        dryRun: z.boolean().optional().meta({ "x-mcp-header": "Dry-Run" }),
      }),
    },
    ({ region, shards }) => `${region}:${shards ?? 1}`,
  );
  server.tool("fail", { description: "Always fails" }, () => {
    throw new Error("the tool broke on purpose");
  });
  server.tool("progress", { description: "Reports progress and logs" }, async (_args, ctx) => {
    ctx.log.info("starting");
    await ctx.progress(1, 2, "half");
    await ctx.progress(2, 2, "done");
    ctx.log.debug("finished");
    return "ok";
  });
  server.tool(
    "ticker",
    {
      description: "Reports progress every interval",
      input: z.object({ count: z.number(), ms: z.number() }),
    },
    // Destructures the context on purpose: handlers may.
    async ({ count, ms }, { progress }) => {
      for (let i = 1; i <= count; i++) {
        await new Promise((resolve) => setTimeout(resolve, ms));
        await progress(i, count);
      }
      return `ticked ${count}`;
    },
  );
  let cancelled = 0;
  server.tool(
    "wait",
    { description: "Waits until cancelled", input: z.object({ ms: z.number().default(10_000) }) },
    async ({ ms }, ctx) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        ctx.signal.addEventListener("abort", () => {
          cancelled++;
          clearTimeout(timer);
          resolve();
        });
      });
      return ctx.signal.aborted ? "aborted" : "waited";
    },
  );
  server.tool("cancelled_count", {}, () => String(cancelled));
  server.tool("ask", { description: "Asks two questions in turn" }, async (_args, ctx) => {
    const first = await ctx.elicit({
      message: "Name?",
      requestedSchema: {
        type: "object",
        properties: { name: { type: "string" } },
        required: ["name"],
      },
    });
    if (first.action !== "accept") return `declined: ${first.action}`;
    const second = await ctx.elicit({
      message: "Colour?",
      requestedSchema: {
        type: "object",
        properties: { colour: { type: "string" } },
        required: ["colour"],
      },
    });
    return `${first.content?.["name"]} likes ${second.content?.["colour"]}`;
  });
  server.tool("sample", { description: "Asks the client's model" }, async (_args, ctx) => {
    const result = await ctx.sample({
      messages: [{ role: "user", content: { type: "text", text: "Hi" } }],
      maxTokens: 10,
    });
    return `model said: ${(result.content as { text?: string }).text}`;
  });
  server.resource("readme", "file:///readme.md", { mimeType: "text/markdown" }, () => "# Read me");
  server.resource(
    "logo",
    "file:///logo.png",
    { mimeType: "image/png" },
    () => new Uint8Array([137, 80, 78, 71]),
  );
  server.resourceTemplate(
    "user",
    "users://{id}/profile",
    {
      mimeType: "application/json",
      complete: { id: (v) => ["alice", "bob", "carol"].filter((n) => n.startsWith(v)) },
    },
    (uri, { id }) => JSON.stringify({ id, uri }),
  );
  server.prompt(
    "greet",
    {
      description: "Greets someone",
      arguments: [
        { name: "name", required: true },
        { name: "tone", complete: (v) => ["warm", "wry", "formal"].filter((t) => t.startsWith(v)) },
      ],
    },
    ({ name, tone = "warm" }) => `Greet ${name} in a ${tone} way.`,
  );
  return server;
}
