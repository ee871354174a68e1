import type {
  Completer,
  PromptConfig,
  PromptHandler,
  ResourceHandler,
  ResourceTemplateConfig,
  ResourceTemplateHandler,
  ToolHandler,
} from "./definitions.js";
import type { HeaderParam } from "./header-params.js";
import type { CompiledSchema } from "./schema.js";
import type { JsonObject } from "./types.js";
import type { UriTemplate } from "./uri-template.js";

/** A tool as registered: its listing and its compiled validators. */
export interface RegisteredTool {
  readonly name: string;
  readonly listing: JsonObject;
  readonly input: CompiledSchema;
  readonly output: CompiledSchema | undefined;
  /** Arguments mirrored into `Mcp-Param-*` headers on HTTP. */
  readonly headerParams: readonly HeaderParam[];
  /** Scopes a caller needs. */
  readonly scopes: readonly string[] | undefined;
  /** Longest a call may run, in milliseconds. */
  readonly timeoutMs: number | undefined;
  readonly handler: ToolHandler<unknown, unknown>;
}

/** A fixed resource as registered. */
export interface RegisteredResource {
  readonly uri: string;
  readonly listing: JsonObject;
  readonly mimeType: string | undefined;
  /** Scopes a caller needs. */
  readonly scopes: readonly string[] | undefined;
  readonly handler: ResourceHandler;
}

/** A resource template as registered. */
export interface RegisteredTemplate {
  readonly template: UriTemplate;
  readonly listing: JsonObject;
  readonly config: ResourceTemplateConfig;
  readonly handler: ResourceTemplateHandler;
}

/** A prompt as registered. */
export interface RegisteredPrompt {
  readonly name: string;
  readonly listing: JsonObject;
  readonly config: PromptConfig;
  readonly handler: PromptHandler;
  readonly completers: ReadonlyMap<string, Completer>;
}

/** A change clients may subscribe to. */
export type ServerChange =
  | { kind: "tools" | "resources" | "prompts" }
  | { kind: "resource"; uri: string };

/** Handle returned by a registration, to remove it later. */
export interface Registration {
  /** Remove the registration and notify subscribed clients. */
  remove(): void;
}
