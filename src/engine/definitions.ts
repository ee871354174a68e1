import type { HandlerContext } from "./context.js";
import type { Infer, SchemaInput } from "./schema.js";
import type {
  CallToolResult,
  ContentBlock,
  GetPromptResult,
  Icon,
  JsonObject,
  PromptMessage,
  ReadResourceResult,
  ResourceContents,
  ToolAnnotations,
} from "./types.js";

/**
 * What a tool handler may return: a full result, content blocks or a string. Tools with an
 * output schema may also return the structured data itself.
 */
export type ToolReturn = CallToolResult | ContentBlock | ContentBlock[] | string;

/** How a tool is described to clients. */
export interface ToolConfig<
  In extends SchemaInput | undefined = undefined,
  Out extends SchemaInput | undefined = undefined,
> {
  title?: string;
  description?: string;
  /** Arguments: a zod v4 object, any Standard Schema, or a plain JSON Schema 2020-12 object. */
  input?: In;
  /** Shape of `structuredContent`; results are checked against it. */
  output?: Out;
  annotations?: ToolAnnotations;
  icons?: Icon[];
  _meta?: JsonObject;
  /** Scopes a caller needs to see and call this tool (all of them). */
  scopes?: string[];
  /**
   * Longest a call may run, in milliseconds. When it passes, `ctx.signal` fires and the
   * client gets a JSON-RPC error (-32001) "Tool <name> timed out after <ms> ms". Default: none.
   */
  timeoutMs?: number;
}

/** The arguments a tool handler receives for an input schema. */
export type ArgsOf<In> = In extends SchemaInput ? Infer<In> : Record<string, never>;

/** A tool handler. Throwing yields an `isError: true` result carrying the message. */
export type ToolHandler<In, Return = ToolReturn> = (
  args: ArgsOf<In>,
  ctx: HandlerContext,
) => Return | Promise<Return>;

/** Completion callback: the values a variable or argument may take, given what is typed so far. */
export type Completer = (
  value: string,
  context: { arguments: Record<string, string> },
) => string[] | Promise<string[]>;

/** How a fixed resource is described. */
export interface ResourceConfig {
  /** Scopes a caller needs to see and read this resource (all of them). */
  scopes?: string[];
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
  icons?: Icon[];
  annotations?: { audience?: ("user" | "assistant")[]; priority?: number; lastModified?: string };
  _meta?: JsonObject;
}

/** What a resource handler may return: full contents, or the text / bytes of the resource. */
export type ResourceReturn =
  | ReadResourceResult
  | ResourceContents
  | ResourceContents[]
  | string
  | Uint8Array;

/** Reads a fixed resource. */
export type ResourceHandler = (
  uri: string,
  ctx: HandlerContext,
) => ResourceReturn | Promise<ResourceReturn>;

/** How a resource template is described. */
export interface ResourceTemplateConfig extends ResourceConfig {
  /** Completion of template variables, by variable name. */
  complete?: Record<string, Completer>;
  /** Concrete resources to include in resources/list. */
  list?: (ctx: HandlerContext) => ListedResource[] | Promise<ListedResource[]>;
}

/** A concrete resource returned by a template's `list`. */
export interface ListedResource extends ResourceConfig {
  uri: string;
  name: string;
}

/** Reads a resource matched by a template. */
export type ResourceTemplateHandler = (
  uri: string,
  variables: Record<string, string | string[]>,
  ctx: HandlerContext,
) => ResourceReturn | Promise<ResourceReturn>;

/** One argument of a prompt. */
export interface PromptArgument {
  name: string;
  title?: string;
  description?: string;
  required?: boolean;
  /** Completion of this argument's value. */
  complete?: Completer;
}

/** How a prompt is described. */
export interface PromptConfig {
  /** Scopes a caller needs to see and get this prompt (all of them). */
  scopes?: string[];
  title?: string;
  description?: string;
  arguments?: PromptArgument[];
  icons?: Icon[];
  _meta?: JsonObject;
}

/** What a prompt handler may return. */
export type PromptReturn = GetPromptResult | PromptMessage[] | string;

/** Builds a prompt's messages from its arguments. */
export type PromptHandler = (
  args: Record<string, string>,
  ctx: HandlerContext,
) => PromptReturn | Promise<PromptReturn>;

/** How an MCP App (a tool with an interactive HTML view) is described. */
export interface AppConfig<
  In extends SchemaInput | undefined = undefined,
  Out extends SchemaInput | undefined = undefined,
> extends ToolConfig<In, Out> {
  /** The `ui://` URI of the view. Defaults to `ui://<server>/<tool>`. */
  uri?: string;
  /** The view: a self-contained HTML document, or a function returning one. */
  html: string | (() => string | Promise<string>);
  /** Content-security and permission metadata for the view (`_meta.ui` of the resource). */
  ui?: JsonObject;
}
