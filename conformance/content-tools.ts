import type { Server } from "berth";
import { PNG_1X1, sleep, WAV_SILENCE } from "./media.js";

/** Tools returning each kind of content, plus errors, progress and logging. */
export function registerContentTools(server: Server): void {
  server.tool(
    "test_simple_text",
    { description: "Returns simple text content" },
    () => "This is a simple text response for testing.",
  );

  server.tool("test_image_content", { description: "Returns image content" }, () => ({
    type: "image",
    data: PNG_1X1,
    mimeType: "image/png",
  }));

  server.tool("test_audio_content", { description: "Returns audio content" }, () => ({
    type: "audio",
    data: WAV_SILENCE,
    mimeType: "audio/wav",
  }));

  server.tool("test_embedded_resource", { description: "Returns an embedded resource" }, () => ({
    type: "resource",
    resource: {
      uri: "test://embedded-resource",
      mimeType: "text/plain",
      text: "This is an embedded resource content.",
    },
  }));

  server.tool(
    "test_multiple_content_types",
    { description: "Returns text, image and resource content" },
    () => [
      { type: "text", text: "Multiple content types test:" },
      { type: "image", data: PNG_1X1, mimeType: "image/png" },
      {
        type: "resource",
        resource: {
          uri: "test://mixed-content-resource",
          mimeType: "application/json",
          text: '{"test":"data","value":123}',
        },
      },
    ],
  );

  server.tool("test_error_handling", { description: "Always fails, as a tool error" }, () => {
    throw new Error("This tool intentionally returns an error for testing");
  });

  server.tool(
    "test_tool_with_progress",
    { description: "Reports progress three times" },
    async (_args, ctx) => {
      for (const step of [0, 50, 100]) {
        await ctx.progress(step, 100, `Completed step ${step} of 100`);
        await sleep(50);
      }
      return String(ctx.meta["progressToken"] ?? "no progress token");
    },
  );

  server.tool(
    "test_tool_with_logging",
    { description: "Logs three messages" },
    async (_args, ctx) => {
      for (const text of [
        "Tool execution started",
        "Tool processing data",
        "Tool execution completed",
      ]) {
        ctx.log.info(text);
        await sleep(50);
      }
      return "Tool with logging executed successfully";
    },
  );

  server.tool(
    "test_header_param",
    {
      description: "Mirrors its region argument into the Mcp-Param-Region header",
      input: {
        type: "object",
        properties: {
          region: { type: "string", description: "Where to run", "x-mcp-header": "Region" },
        },
        required: ["region"],
      },
    },
    (args) => `Region: ${String(args["region"])}`,
  );

  server.tool(
    "json_schema_2020_12_tool",
    {
      description: "Tool with JSON Schema 2020-12 features for conformance testing (SEP-1613)",
      input: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        type: "object",
        $defs: {
          address: {
            $anchor: "addressDef",
            type: "object",
            properties: { street: { type: "string" }, city: { type: "string" } },
          },
        },
        properties: {
          name: { type: "string" },
          address: { $ref: "#/$defs/address" },
          contactMethod: { type: "string", enum: ["phone", "email"] },
          phone: { type: "string" },
          email: { type: "string" },
        },
        allOf: [{ anyOf: [{ required: ["phone"] }, { required: ["email"] }] }],
        if: { properties: { contactMethod: { const: "phone" } }, required: ["contactMethod"] },
        // biome-ignore lint/suspicious/noThenProperty: "then" is a JSON Schema keyword here.
        then: { required: ["phone"] },
        else: { required: ["email"] },
        additionalProperties: false,
      },
    },
    (args) => `Received ${JSON.stringify(args)}`,
  );
}
