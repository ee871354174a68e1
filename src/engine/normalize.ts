import { InternalError } from "../errors.js";
import type { PromptReturn, ResourceReturn } from "./definitions.js";
import type { CompiledSchema } from "./schema.js";
import type {
  CallToolResult,
  ContentBlock,
  GetPromptResult,
  JsonObject,
  ReadResourceResult,
  ResourceContents,
} from "./types.js";

const CONTENT_TYPES = new Set(["text", "image", "audio", "resource_link", "resource"]);

function isContentBlock(value: unknown): value is ContentBlock {
  return (
    typeof value === "object" &&
    value !== null &&
    CONTENT_TYPES.has((value as { type?: string }).type ?? "")
  );
}

// Every normalizer returns a new top-level object, never the handler's own, so codecs may
// add their fields (resultType, cache hints) to it without touching user data.

/** Turn whatever a tool handler returned into a CallToolResult. */
export function toCallToolResult(
  value: unknown,
  output: CompiledSchema | undefined,
): CallToolResult {
  if (typeof value === "string") return { content: [{ type: "text", text: value }] };
  if (value === undefined || value === null) return { content: [] };
  if (Array.isArray(value)) return { content: value as ContentBlock[] };
  if (isContentBlock(value)) return { content: [value] };
  if (Array.isArray((value as CallToolResult).content)) {
    const result = value as CallToolResult;
    if (output && !result.isError) {
      if (result.structuredContent === undefined) {
        throw new InternalError(
          "The tool declares an output schema but returned no structuredContent",
        );
      }
      output.validate(result.structuredContent, "structuredContent");
    }
    return { ...result };
  }
  // Plain data: structured content, mirrored as JSON text for clients that read only text.
  if (typeof value !== "object") return { content: [{ type: "text", text: String(value) }] };
  const data = value as JsonObject;
  if (output) output.validate(data, "structuredContent");
  return { content: [{ type: "text", text: JSON.stringify(data) }], structuredContent: data };
}

/** Turn whatever a resource handler returned into a ReadResourceResult. */
export function toReadResourceResult(
  value: ResourceReturn,
  uri: string,
  mimeType: string | undefined,
): ReadResourceResult {
  if (typeof value === "string") return { contents: [withMime({ uri, text: value }, mimeType)] };
  if (value instanceof Uint8Array) {
    return { contents: [withMime({ uri, blob: Buffer.from(value).toString("base64") }, mimeType)] };
  }
  if (Array.isArray(value)) return { contents: value };
  if (Array.isArray((value as ReadResourceResult).contents))
    return { ...(value as ReadResourceResult) };
  return { contents: [value as ResourceContents] };
}

function withMime(contents: ResourceContents, mimeType: string | undefined): ResourceContents {
  return mimeType ? { ...contents, mimeType } : contents;
}

/** Turn whatever a prompt handler returned into a GetPromptResult. */
export function toGetPromptResult(
  value: PromptReturn,
  description: string | undefined,
): GetPromptResult {
  if (typeof value === "string") {
    const result: GetPromptResult = {
      messages: [{ role: "user", content: { type: "text", text: value } }],
    };
    if (description) result.description = description;
    return result;
  }
  if (Array.isArray(value))
    return description ? { description, messages: value } : { messages: value };
  return { ...value };
}
