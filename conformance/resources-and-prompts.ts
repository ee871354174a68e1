import type { Server } from "berth";
import { PNG_1X1 } from "./media.js";

/** The resources, template and prompts the scenarios read. */
export function registerResourcesAndPrompts(server: Server): void {
  server.resource(
    "static-text",
    "test://static-text",
    {
      title: "Static Text Resource",
      description: "A static text resource for testing",
      mimeType: "text/plain",
    },
    () => "This is the content of the static text resource.",
  );
  server.resource(
    "static-binary",
    "test://static-binary",
    {
      title: "Static Binary Resource",
      description: "A static binary resource for testing",
      mimeType: "image/png",
    },
    (uri) => ({ uri, mimeType: "image/png", blob: PNG_1X1 }),
  );
  server.resource(
    "watched-resource",
    "test://watched-resource",
    {
      title: "Watched Resource",
      description: "A resource clients may subscribe to",
      mimeType: "text/plain",
    },
    () => "Watched resource content",
  );
  server.resourceTemplate(
    "template",
    "test://template/{id}/data",
    { title: "Resource Template", description: "Data by id", mimeType: "application/json" },
    (_uri, { id }) =>
      JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }),
  );

  server.prompt(
    "test_simple_prompt",
    { title: "Simple Test Prompt", description: "A simple prompt without arguments" },
    () => "This is a simple prompt for testing.",
  );
  server.prompt(
    "test_prompt_with_arguments",
    {
      title: "Prompt With Arguments",
      description: "A prompt with required arguments",
      arguments: [
        { name: "arg1", description: "First test argument", required: true },
        { name: "arg2", description: "Second test argument", required: true },
      ],
    },
    ({ arg1, arg2 }) => `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`,
  );
  server.prompt(
    "test_prompt_with_embedded_resource",
    {
      title: "Prompt With Embedded Resource",
      description: "A prompt that includes an embedded resource",
      arguments: [
        { name: "resourceUri", description: "URI of the resource to embed", required: true },
      ],
    },
    ({ resourceUri = "test://example-resource" }) => [
      {
        role: "user",
        content: {
          type: "resource",
          resource: {
            uri: resourceUri,
            mimeType: "text/plain",
            text: "Embedded resource content for testing.",
          },
        },
      },
      {
        role: "user",
        content: { type: "text", text: "Please process the embedded resource above." },
      },
    ],
  );
  server.prompt(
    "test_prompt_with_image",
    { title: "Prompt With Image", description: "A prompt that includes image content" },
    () => [
      { role: "user", content: { type: "image", data: PNG_1X1, mimeType: "image/png" } },
      { role: "user", content: { type: "text", text: "Please analyze the image above." } },
    ],
  );
  server.prompt(
    "test_input_required_result_prompt",
    { description: "MRTR: prompt that requires elicitation input" },
    async (_args, ctx) => {
      const answer = await ctx.elicit(
        {
          message: "What context should the prompt use?",
          requestedSchema: {
            type: "object",
            properties: { context: { type: "string" } },
            required: ["context"],
          },
        },
        { key: "user_context" },
      );
      return `Prompt with context: ${String(answer.content?.["context"])}`;
    },
  );
}
