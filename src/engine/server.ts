import type { HandlerContext } from "./context.js";
import type {
  AppConfig,
  Completer,
  PromptConfig,
  PromptHandler,
  ResourceConfig,
  ResourceHandler,
  ResourceTemplateConfig,
  ResourceTemplateHandler,
  ToolConfig,
  ToolHandler,
  ToolReturn,
} from "./definitions.js";
import { findHeaderParams } from "./header-params.js";
import type {
  RegisteredPrompt,
  RegisteredResource,
  RegisteredTemplate,
  RegisteredTool,
  Registration,
  ServerChange,
} from "./registrations.js";
import { compileSchema, EMPTY_OBJECT_SCHEMA, type Infer, type SchemaInput } from "./schema.js";
import type { Icon, Implementation, JsonObject } from "./types.js";
import { UriTemplate } from "./uri-template.js";

/** Options of {@link createServer}. */
export interface ServerOptions {
  name: string;
  version: string;
  title?: string;
  description?: string;
  /** Guidance for the model on how to use this server. */
  instructions?: string;
  icons?: Icon[];
  websiteUrl?: string;
  /** Items per page in list results; unset means one page with everything. */
  pageSize?: number;
  /**
   * Leave out of lists what the caller lacks the scopes to use (default true). With false,
   * lists show everything and calls are refused with a scope challenge.
   */
  hideUnauthorized?: boolean;
  /** How long clients may cache list results and resource reads, in milliseconds. */
  cacheTtlMs?: number;
}

const NAME = /^[A-Za-z0-9_.\-/]{1,128}$/;

function describe(config: {
  title?: string;
  description?: string;
  icons?: Icon[];
  _meta?: JsonObject;
}): JsonObject {
  const out: JsonObject = {};
  if (config.title !== undefined) out["title"] = config.title;
  if (config.description !== undefined) out["description"] = config.description;
  if (config.icons !== undefined) out["icons"] = config.icons;
  if (config._meta !== undefined) out["_meta"] = config._meta;
  return out;
}

/**
 * An MCP server definition: tools, resources, templates and prompts, registered once and
 * served by any transport in any protocol era.
 *
 * @example
 * import { createServer } from "berth";
 * import { z } from "zod";
 *
 * export const server = createServer({ name: "dice", version: "1.0.0" });
 * server.tool("roll", { input: z.object({ sides: z.number().int().min(2) }) }, ({ sides }) =>
 *   String(1 + Math.floor(Math.random() * sides)),
 * );
 */
export class Server {
  /** Server identity sent to clients. */
  readonly info: Implementation;
  /** Options given at creation. */
  readonly options: Readonly<ServerOptions>;
  readonly #tools = new Map<string, RegisteredTool>();
  readonly #resources = new Map<string, RegisteredResource>();
  readonly #templates: RegisteredTemplate[] = [];
  readonly #prompts = new Map<string, RegisteredPrompt>();
  readonly #listeners = new Set<(change: ServerChange) => void>();
  #toolList: JsonObject[] | undefined;
  #sortedTools: RegisteredTool[] | undefined;

  constructor(options: ServerOptions) {
    if (!options?.name || !options.version)
      throw new TypeError("createServer needs a name and a version");
    this.options = options;
    const info: Implementation = { name: options.name, version: options.version };
    if (options.title) info.title = options.title;
    if (options.description) info.description = options.description;
    if (options.icons) info.icons = options.icons;
    if (options.websiteUrl) info.websiteUrl = options.websiteUrl;
    this.info = info;
  }

  /**
   * Register a tool. The handler receives validated arguments and a {@link HandlerContext}.
   * Returning a string, content blocks, a full result or (with an output schema) structured
   * data are all accepted.
   */
  tool<In extends SchemaInput | undefined = undefined>(
    name: string,
    config: ToolConfig<In> & { output?: undefined },
    handler: ToolHandler<In>,
  ): Registration;
  tool<In extends SchemaInput | undefined, Out extends SchemaInput>(
    name: string,
    config: ToolConfig<In, Out> & { output: Out },
    handler: ToolHandler<In, ToolReturn | Infer<Out>>,
  ): Registration;
  tool(
    name: string,
    config: ToolConfig<SchemaInput | undefined, SchemaInput | undefined>,
    handler: ToolHandler<unknown, unknown>,
  ): Registration {
    if (!NAME.test(name))
      throw new TypeError(`Tool name '${name}' must be 1-128 characters of A-Z a-z 0-9 _ - . /`);
    if (this.#tools.has(name)) throw new TypeError(`Tool '${name}' is already registered`);
    const { timeoutMs } = config;
    if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0))
      throw new TypeError(
        `Tool '${name}': timeoutMs must be a positive whole number of milliseconds`,
      );
    const input = config.input ? compileSchema(config.input, "input") : EMPTY_OBJECT_SCHEMA;
    const output = config.output ? compileSchema(config.output, "output") : undefined;
    const { _meta, ...described } = describe(config);
    const listing: JsonObject = { name, ...described, inputSchema: input.jsonSchema };
    if (output) listing["outputSchema"] = output.jsonSchema;
    if (config.annotations) listing["annotations"] = config.annotations;
    if (_meta) listing["_meta"] = _meta;
    const headerParams = findHeaderParams(input.jsonSchema, name);
    this.#tools.set(name, {
      name,
      listing,
      input,
      output,
      headerParams,
      scopes: config.scopes,
      timeoutMs,
      handler,
    });
    this.#toolList = undefined;
    this.#sortedTools = undefined;
    this.#emit({ kind: "tools" });
    return {
      remove: () => {
        if (this.#tools.delete(name)) {
          this.#toolList = undefined;
          this.#sortedTools = undefined;
          this.#emit({ kind: "tools" });
        }
      },
    };
  }

  /** Register a resource at a fixed URI. */
  resource(
    name: string,
    uri: string,
    config: ResourceConfig,
    handler: ResourceHandler,
  ): Registration {
    if (this.#resources.has(uri)) throw new TypeError(`Resource '${uri}' is already registered`);
    assertUri(uri);
    const listing: JsonObject = { uri, name, ...describe(config) };
    if (config.mimeType) listing["mimeType"] = config.mimeType;
    if (config.size !== undefined) listing["size"] = config.size;
    if (config.annotations) listing["annotations"] = config.annotations;
    this.#resources.set(uri, {
      uri,
      listing,
      mimeType: config.mimeType,
      scopes: config.scopes,
      handler,
    });
    this.#emit({ kind: "resources" });
    return { remove: () => this.#resources.delete(uri) && this.#emit({ kind: "resources" }) };
  }

  /** Register a family of resources described by an RFC 6570 URI template. */
  resourceTemplate(
    name: string,
    uriTemplate: string,
    config: ResourceTemplateConfig,
    handler: ResourceTemplateHandler,
  ): Registration {
    const template = new UriTemplate(uriTemplate);
    for (const variable of Object.keys(config.complete ?? {})) {
      if (!template.variables.includes(variable)) {
        throw new TypeError(`Completion for '${variable}' names no variable of ${uriTemplate}`);
      }
    }
    const listing: JsonObject = { uriTemplate, name, ...describe(config) };
    if (config.mimeType) listing["mimeType"] = config.mimeType;
    if (config.annotations) listing["annotations"] = config.annotations;
    const entry: RegisteredTemplate = { template, listing, config, handler };
    this.#templates.push(entry);
    this.#emit({ kind: "resources" });
    return {
      remove: () => {
        const at = this.#templates.indexOf(entry);
        if (at >= 0) {
          this.#templates.splice(at, 1);
          this.#emit({ kind: "resources" });
        }
      },
    };
  }

  /** Register a prompt. */
  prompt(name: string, config: PromptConfig, handler: PromptHandler): Registration {
    if (this.#prompts.has(name)) throw new TypeError(`Prompt '${name}' is already registered`);
    const listing: JsonObject = { name, ...describe(config) };
    const completers = new Map<string, Completer>();
    if (config.arguments) {
      listing["arguments"] = config.arguments.map(({ complete, ...argument }) => {
        if (complete) completers.set(argument.name, complete);
        return argument;
      });
    }
    this.#prompts.set(name, { name, listing, config, handler, completers });
    this.#emit({ kind: "prompts" });
    return { remove: () => this.#prompts.delete(name) && this.#emit({ kind: "prompts" }) };
  }

  /**
   * Register an MCP App: a tool whose `_meta.ui.resourceUri` points at a `ui://` resource
   * served as `text/html;profile=mcp-app`.
   */
  app<In extends SchemaInput | undefined = undefined>(
    name: string,
    config: AppConfig<In> & { output?: undefined },
    handler: ToolHandler<In>,
  ): Registration;
  app<In extends SchemaInput | undefined, Out extends SchemaInput>(
    name: string,
    config: AppConfig<In, Out> & { output: Out },
    handler: ToolHandler<In, ToolReturn | Infer<Out>>,
  ): Registration;
  app(
    name: string,
    config: AppConfig<SchemaInput | undefined, SchemaInput | undefined>,
    handler: ToolHandler<unknown, unknown>,
  ): Registration {
    const uri = config.uri ?? `ui://${this.info.name}/${name}`;
    if (!uri.startsWith("ui://"))
      throw new TypeError(`An app view URI must start with ui:// (got ${uri})`);
    const { html, ui, uri: _uri, ...toolConfig } = config;
    if (this.#resources.has(uri)) throw new TypeError(`Resource '${uri}' is already registered`);
    // The tool first: if it is refused (bad name, duplicate), nothing was registered.
    const meta = config._meta ?? {};
    const uiMeta = { ...((meta["ui"] as JsonObject | undefined) ?? {}), resourceUri: uri };
    const tool = this.tool(
      name,
      { ...toolConfig, _meta: { ...meta, ui: uiMeta } } as ToolConfig,
      handler as ToolHandler<undefined>,
    );
    const view = this.resource(
      `${name}-view`,
      uri,
      { title: config.title, mimeType: APP_MIME_TYPE, ...(ui ? { _meta: { ui } } : {}) },
      async () => {
        const text = typeof html === "string" ? html : await html();
        return {
          contents: [{ uri, mimeType: APP_MIME_TYPE, text, ...(ui ? { _meta: { ui } } : {}) }],
        };
      },
    );
    return {
      remove() {
        tool.remove();
        view.remove();
      },
    };
  }

  /** Tell subscribed clients that a resource changed. */
  resourceUpdated(uri: string): void {
    this.#emit({ kind: "resource", uri });
  }

  /** Listen to registry changes and resource updates; returns an unsubscribe function. */
  onChange(listener: (change: ServerChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The tool registered under `name`. */
  getTool(name: string): RegisteredTool | undefined {
    return this.#tools.get(name);
  }

  /** Tools sorted by name, so lists come in a deterministic order. */
  sortedTools(): readonly RegisteredTool[] {
    this.#sortedTools ??= [...this.#tools.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return this.#sortedTools;
  }

  /** Tool listings in {@link sortedTools} order. */
  toolListings(): JsonObject[] {
    this.#toolList ??= this.sortedTools().map((t) => t.listing);
    return this.#toolList;
  }

  /** Fixed resources in registration order. */
  resources(): IterableIterator<RegisteredResource> {
    return this.#resources.values();
  }

  /** The fixed resource at `uri`. */
  getResource(uri: string): RegisteredResource | undefined {
    return this.#resources.get(uri);
  }

  /** Resource templates in registration order. */
  templates(): readonly RegisteredTemplate[] {
    return this.#templates;
  }

  /** The prompt registered under `name`. */
  getPrompt(name: string): RegisteredPrompt | undefined {
    return this.#prompts.get(name);
  }

  /** Prompts in registration order. */
  prompts(): IterableIterator<RegisteredPrompt> {
    return this.#prompts.values();
  }

  /** Every scope a tool, resource, template or prompt requires, sorted: what clients may ask for. */
  declaredScopes(): string[] {
    const scopes = new Set<string>();
    const add = (list: readonly string[] | undefined) => {
      for (const scope of list ?? []) scopes.add(scope);
    };
    for (const tool of this.#tools.values()) add(tool.scopes);
    for (const resource of this.#resources.values()) add(resource.scopes);
    for (const template of this.#templates) add(template.config.scopes);
    for (const prompt of this.#prompts.values()) add(prompt.config.scopes);
    return [...scopes].sort();
  }

  /** What this server offers, as MCP server capabilities. */
  capabilities(): JsonObject {
    const caps: JsonObject = {
      tools: { listChanged: true },
      resources: { subscribe: true, listChanged: true },
      prompts: { listChanged: true },
      completions: {},
      logging: {},
    };
    return caps;
  }

  #emit(change: ServerChange): boolean {
    for (const listener of this.#listeners) listener(change);
    return true;
  }
}

/** Media type of MCP App views. */
export const APP_MIME_TYPE = "text/html;profile=mcp-app";

function assertUri(uri: string): void {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri))
    throw new TypeError(`'${uri}' is not an absolute URI`);
}

/** Create a server definition. See {@link Server}. */
export function createServer(options: ServerOptions): Server {
  return new Server(options);
}
