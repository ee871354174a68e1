/**
 * Wire shapes shared by every protocol era, as handlers produce and receive them.
 * Named as in the MCP schema.
 */

/** A JSON object. */
export type JsonObject = { [key: string]: unknown };

/** An icon a client may show next to a server, tool, resource or prompt. */
export interface Icon {
  src: string;
  mimeType?: string;
  sizes?: string[];
  theme?: "light" | "dark";
}

/** Optional annotations on content and resources. */
export interface Annotations {
  audience?: ("user" | "assistant")[];
  priority?: number;
  lastModified?: string;
}

/** Text content. */
export interface TextContent {
  type: "text";
  text: string;
  annotations?: Annotations;
  _meta?: JsonObject;
}

/** Base64 image content. */
export interface ImageContent {
  type: "image";
  data: string;
  mimeType: string;
  annotations?: Annotations;
  _meta?: JsonObject;
}

/** Base64 audio content. */
export interface AudioContent {
  type: "audio";
  data: string;
  mimeType: string;
  annotations?: Annotations;
  _meta?: JsonObject;
}

/** A link to a resource the client may read. */
export interface ResourceLink {
  type: "resource_link";
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
  icons?: Icon[];
  annotations?: Annotations;
  _meta?: JsonObject;
}

/** Contents of a text resource. */
export interface TextResourceContents {
  uri: string;
  mimeType?: string;
  text: string;
  _meta?: JsonObject;
}

/** Contents of a binary resource, base64 encoded. */
export interface BlobResourceContents {
  uri: string;
  mimeType?: string;
  blob: string;
  _meta?: JsonObject;
}

/** Contents of a resource. */
export type ResourceContents = TextResourceContents | BlobResourceContents;

/** A resource embedded in a tool result or prompt message. */
export interface EmbeddedResource {
  type: "resource";
  resource: ResourceContents;
  annotations?: Annotations;
  _meta?: JsonObject;
}

/** Any content block a tool may return. */
export type ContentBlock =
  | TextContent
  | ImageContent
  | AudioContent
  | ResourceLink
  | EmbeddedResource;

/** The result of tools/call. */
export interface CallToolResult {
  content: ContentBlock[];
  structuredContent?: JsonObject;
  isError?: boolean;
  _meta?: JsonObject;
}

/** Hints about a tool's behaviour. Clients must treat them as untrusted. */
export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

/** A prompt message. */
export interface PromptMessage {
  role: "user" | "assistant";
  content: ContentBlock;
}

/** The result of prompts/get. */
export interface GetPromptResult {
  description?: string;
  messages: PromptMessage[];
  _meta?: JsonObject;
}

/** The result of resources/read. */
export interface ReadResourceResult {
  contents: ResourceContents[];
  _meta?: JsonObject;
}

/** Who the server is, as sent to clients. */
export interface Implementation {
  name: string;
  version: string;
  title?: string;
  description?: string;
  icons?: Icon[];
  websiteUrl?: string;
}

/** Parameters of an elicitation (a form the client shows the user). */
export interface ElicitParams {
  mode?: "form";
  message: string;
  requestedSchema: JsonObject;
}

/** Parameters of a URL-mode elicitation. */
export interface ElicitUrlParams {
  mode: "url";
  message: string;
  url: string;
  elicitationId: string;
}

/** The user's answer to an elicitation. */
export interface ElicitResult {
  action: "accept" | "decline" | "cancel";
  content?: JsonObject;
}

/** Parameters of a sampling request (an LLM completion made by the client). */
export interface CreateMessageParams {
  messages: { role: "user" | "assistant"; content: JsonObject | JsonObject[] }[];
  maxTokens: number;
  systemPrompt?: string;
  temperature?: number;
  stopSequences?: string[];
  modelPreferences?: JsonObject;
  includeContext?: "none" | "thisServer" | "allServers";
  metadata?: JsonObject;
  tools?: JsonObject[];
  toolChoice?: JsonObject;
}

/** The client's sampling answer. */
export interface CreateMessageResult {
  role: "user" | "assistant";
  content: JsonObject | JsonObject[];
  model: string;
  stopReason?: string;
}

/** The client's roots. */
export interface ListRootsResult {
  roots: { uri: string; name?: string }[];
}

/** Log severity, as in RFC 5424 and MCP logging. */
export type LogLevel =
  | "debug"
  | "info"
  | "notice"
  | "warning"
  | "error"
  | "critical"
  | "alert"
  | "emergency";

/** Severity order of {@link LogLevel}. */
export const LOG_LEVELS: readonly LogLevel[] = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
];
