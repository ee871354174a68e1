import type { HandlerContext, Registration, Server } from "berth";
import { z } from "zod";
import { sleep } from "./media.js";

const NAME_FORM = {
  message: "What is your name?",
  requestedSchema: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
};
const CONFIRM_FORM = {
  message: "Please confirm",
  requestedSchema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] },
};

/** Report a failed client round trip as text, as the scenarios expect. */
async function orExplain<T>(
  what: string,
  run: () => Promise<T>,
  describe: (value: T) => string,
): Promise<string> {
  try {
    return describe(await run());
  } catch (error) {
    if ((error as { name?: string }).name === "InputRequiredSignal") throw error;
    if ((error as { code?: string }).code === "ERR_MISSING_CLIENT_CAPABILITY") throw error;
    return `${what} not supported or error: ${(error as Error).message}`;
  }
}

/** Tools that ask the client for something: sampling, elicitation and roots, in both eras. */
export function registerInteractionTools(server: Server): void {
  server.tool(
    "test_sampling",
    {
      description: "Asks the client's model to answer a prompt",
      input: z.object({ prompt: z.string() }),
    },
    ({ prompt }, ctx) =>
      orExplain(
        "Sampling",
        () =>
          ctx.sample({
            messages: [{ role: "user", content: { type: "text", text: prompt } }],
            maxTokens: 100,
          }),
        (result) => `LLM response: ${(result.content as { text?: string }).text}`,
      ),
  );

  server.tool(
    "test_elicitation",
    { description: "Asks the user for information", input: z.object({ message: z.string() }) },
    ({ message }, ctx) =>
      orExplain(
        "Elicitation",
        () =>
          ctx.elicit({
            message,
            requestedSchema: {
              type: "object",
              properties: { response: { type: "string", description: "User's response" } },
              required: ["response"],
            },
          }),
        (r) => `User response: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`,
      ),
  );

  server.tool(
    "test_elicitation_sep1034_defaults",
    { description: "Elicitation with default values" },
    (_args, ctx) =>
      orExplain(
        "Elicitation",
        () =>
          ctx.elicit({
            message: "Please review and update the form fields with defaults",
            requestedSchema: {
              type: "object",
              properties: {
                name: { type: "string", description: "User name", default: "John Doe" },
                age: { type: "integer", description: "User age", default: 30 },
                score: { type: "number", description: "User score", default: 95.5 },
                status: {
                  type: "string",
                  description: "User status",
                  enum: ["active", "inactive", "pending"],
                  default: "active",
                },
                verified: { type: "boolean", description: "Verification status", default: true },
              },
              required: [],
            },
          }),
        (r) =>
          `Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`,
      ),
  );

  server.tool(
    "test_elicitation_sep1330_enums",
    { description: "Elicitation with every enum form" },
    (_args, ctx) =>
      orExplain(
        "Elicitation",
        () =>
          ctx.elicit({
            message: "Please select options from the enum fields",
            requestedSchema: {
              type: "object",
              properties: {
                untitledSingle: {
                  type: "string",
                  description: "Select one option",
                  enum: ["option1", "option2", "option3"],
                },
                titledSingle: {
                  type: "string",
                  description: "Select one option with titles",
                  oneOf: [
                    { const: "value1", title: "First Option" },
                    { const: "value2", title: "Second Option" },
                    { const: "value3", title: "Third Option" },
                  ],
                },
                legacyEnum: {
                  type: "string",
                  description: "Select one option (legacy)",
                  enum: ["opt1", "opt2", "opt3"],
                  enumNames: ["Option One", "Option Two", "Option Three"],
                },
                untitledMulti: {
                  type: "array",
                  description: "Select multiple options",
                  minItems: 1,
                  maxItems: 3,
                  items: { type: "string", enum: ["option1", "option2", "option3"] },
                },
                titledMulti: {
                  type: "array",
                  description: "Select multiple options with titles",
                  minItems: 1,
                  maxItems: 3,
                  items: {
                    anyOf: [
                      { const: "value1", title: "First Choice" },
                      { const: "value2", title: "Second Choice" },
                      { const: "value3", title: "Third Choice" },
                    ],
                  },
                },
              },
              required: [],
            },
          }),
        (r) =>
          `Elicitation completed: action=${r.action}, content=${JSON.stringify(r.content ?? {})}`,
      ),
  );

  server.tool(
    "test_missing_capability",
    { description: "Needs the client's sampling capability" },
    async (_args, ctx) => {
      await ctx.sample({
        messages: [{ role: "user", content: { type: "text", text: "ping" } }],
        maxTokens: 5,
      });
      return "Success";
    },
  );

  server.tool(
    "test_streaming_elicitation",
    { description: "Streams a notification before its result" },
    async (_args, ctx) => {
      await ctx.progress(1, 1, "streaming");
      return "Streaming complete";
    },
  );

  server.tool(
    "test_logging_tool",
    { description: "Logs, but only to clients that asked for logs" },
    (_args, ctx) => {
      ctx.log.info("Logging evaluated");
      return "Logging evaluated";
    },
  );

  server.tool("test_reconnection", { description: "Completes after a short pause" }, async () => {
    await sleep(100);
    return "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.";
  });

  let toolToggle: Registration | undefined;
  server.tool(
    "test_trigger_tool_change",
    { description: "Adds or removes a tool, changing the tool list" },
    () => {
      if (toolToggle) {
        toolToggle.remove();
        toolToggle = undefined;
        return "Removed test_dynamic_tool";
      }
      toolToggle = server.tool(
        "test_dynamic_tool",
        { description: "Appears and disappears" },
        () => "dynamic",
      );
      return "Added test_dynamic_tool";
    },
  );

  let promptToggle: Registration | undefined;
  server.tool(
    "test_trigger_prompt_change",
    { description: "Adds or removes a prompt, changing the prompt list" },
    () => {
      if (promptToggle) {
        promptToggle.remove();
        promptToggle = undefined;
        return "Removed test_dynamic_prompt";
      }
      promptToggle = server.prompt(
        "test_dynamic_prompt",
        { description: "Appears and disappears" },
        () => "dynamic",
      );
      return "Added test_dynamic_prompt";
    },
  );

  registerInputRequiredTools(server);
}

/** Tools that need client input in 2026-07-28 multi-round-trip results. */
function registerInputRequiredTools(server: Server): void {
  const greet = async (ctx: HandlerContext) => {
    const answer = await ctx.elicit(NAME_FORM, { key: "user_name" });
    const name = answer.content?.["name"];
    return `Hello, ${typeof name === "string" ? name : "unknown"}!`;
  };
  server.tool(
    "test_input_required_result_elicitation",
    { description: "MRTR: asks for the user's name" },
    (_a, ctx) => greet(ctx),
  );

  server.tool(
    "test_input_required_result_sampling",
    { description: "MRTR: asks the client's model" },
    async (_a, ctx) => {
      const result = await ctx.sample(
        {
          messages: [
            { role: "user", content: { type: "text", text: "What is the capital of France?" } },
          ],
          maxTokens: 100,
        },
        { key: "sample_request" },
      );
      return `Sampling result: ${(result.content as { text?: string }).text}`;
    },
  );

  server.tool(
    "test_input_required_result_list_roots",
    { description: "MRTR: asks for the client's roots" },
    async (_a, ctx) => {
      const { roots } = await ctx.listRoots({ key: "roots_request" });
      return `Found ${roots.length} root(s)`;
    },
  );

  server.tool(
    "test_input_required_result_request_state",
    { description: "MRTR: carries signed request state" },
    async (_a, ctx) => {
      const answer = await ctx.elicit(CONFIRM_FORM, { key: "confirm" });
      return answer.content?.["ok"] === true
        ? "state-ok: requestState validated"
        : "state-not-confirmed";
    },
  );

  server.tool(
    "test_input_required_result_tampered_state",
    { description: "MRTR: rejects altered state" },
    async (_a, ctx) => {
      await ctx.elicit(CONFIRM_FORM, { key: "confirm" });
      return "integrity-ok: state verified";
    },
  );

  server.tool(
    "test_input_required_result_multiple_inputs",
    { description: "MRTR: three requests in one round" },
    async (_a, ctx) => {
      const [name, greeting, roots] = await Promise.all([
        ctx.elicit(NAME_FORM, { key: "user_name" }),
        ctx.sample(
          {
            messages: [{ role: "user", content: { type: "text", text: "Generate a greeting" } }],
            maxTokens: 50,
          },
          { key: "greeting" },
        ),
        ctx.listRoots({ key: "client_roots" }),
      ]);
      return `Name: ${String(name.content?.["name"])}; Greeting: ${(greeting.content as { text?: string }).text}; Roots: ${roots.roots.length}`;
    },
  );

  server.tool(
    "test_input_required_result_multi_round",
    { description: "MRTR: two rounds of questions" },
    async (_a, ctx) => {
      const first = await ctx.elicit(
        {
          message: "Step 1: What is your name?",
          requestedSchema: {
            type: "object",
            properties: { name: { type: "string" } },
            required: ["name"],
          },
        },
        { key: "step1" },
      );
      const second = await ctx.elicit(
        {
          message: "Step 2: What is your favorite color?",
          requestedSchema: {
            type: "object",
            properties: { color: { type: "string" } },
            required: ["color"],
          },
        },
        { key: "step2" },
      );
      return `Multi-round complete for ${String(first.content?.["name"])} who likes ${String(second.content?.["color"])}`;
    },
  );

  server.tool(
    "test_input_required_result_capabilities",
    { description: "MRTR: asks only what the client supports" },
    async (_a, ctx) => {
      const asks: Promise<unknown>[] = [];
      if (ctx.clientCapabilities["elicitation"])
        asks.push(ctx.elicit(NAME_FORM, { key: "elicit_input" }));
      if (ctx.clientCapabilities["sampling"]) {
        asks.push(
          ctx.sample(
            {
              messages: [{ role: "user", content: { type: "text", text: "Sample request" } }],
              maxTokens: 50,
            },
            { key: "sample_input" },
          ),
        );
      }
      if (asks.length === 0) return "No supported capabilities declared";
      await Promise.all(asks);
      return `capabilities-ok: received ${asks.length} answer(s)`;
    },
  );
}
