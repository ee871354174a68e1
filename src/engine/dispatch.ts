import {
  CancelledError,
  InsufficientScopeError,
  InvalidParamsError,
  MethodNotFoundError,
  MissingClientCapabilityError,
  ResourceNotFoundError,
  TimeoutError,
} from "../errors.js";
import type { Cancellation } from "./cancellation.js";
import { type HandlerContext, missingScopes } from "./context.js";
import { withDeadline } from "./deadline.js";
import type { Completer, ToolReturn } from "./definitions.js";
import { InputRequiredSignal, InvalidInputResponseError } from "./input-required.js";
import { toCallToolResult, toGetPromptResult, toReadResourceResult } from "./normalize.js";
import type { Server } from "./server.js";
import type { CallToolResult, JsonObject } from "./types.js";

/** Methods every era shares, answered by {@link dispatch}. */
export const ENGINE_METHODS = new Set([
  "tools/list",
  "tools/call",
  "resources/list",
  "resources/templates/list",
  "resources/read",
  "prompts/list",
  "prompts/get",
  "completion/complete",
]);

/** What a codec hands {@link dispatch} besides the handler context. */
export interface DispatchOptions {
  /** The request's cancellation, which a time limit fires when it passes. */
  readonly cancellation: Cancellation;
  /** Longest the request may run, in milliseconds (a tool's own `timeoutMs` also applies). */
  readonly timeoutMs?: number | undefined;
}

/** Read a string field from params or fail with -32602 naming it. */
export function requireString(params: JsonObject, field: string): string {
  const value = params[field];
  if (typeof value !== "string") {
    throw new InvalidParamsError(
      value === undefined
        ? `Missing required parameter '${field}'`
        : `Parameter '${field}' must be a string`,
    );
  }
  return value;
}

/** Read an optional object field (default `{}`) or fail with -32602 naming it. */
function optionalObject(params: JsonObject, field: string): Record<string, unknown> {
  const value = params[field] ?? {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidParamsError(`Parameter '${field}' must be an object`);
  }
  return value as Record<string, unknown>;
}

function page<T>(
  server: Server,
  items: readonly T[],
  params: JsonObject,
): { items: readonly T[]; nextCursor?: string } {
  const size = server.options.pageSize;
  const cursor = params["cursor"];
  let start = 0;
  if (cursor !== undefined) {
    const text = typeof cursor === "string" ? Buffer.from(cursor, "base64url").toString() : "";
    const decoded = /^\d{1,9}$/.test(text) ? Number(text) : Number.NaN;
    if (!Number.isInteger(decoded) || decoded < 0 || decoded > items.length) {
      throw new InvalidParamsError("Parameter 'cursor' is not a cursor this server issued");
    }
    start = decoded;
  }
  if (!size && start === 0) return { items };
  const end = size ? start + size : items.length;
  const slice = items.slice(start, end);
  return end < items.length
    ? { items: slice, nextCursor: Buffer.from(String(end)).toString("base64url") }
    : { items: slice };
}

function listed(
  key: string,
  paged: { items: readonly unknown[]; nextCursor?: string },
): JsonObject {
  return paged.nextCursor
    ? { [key]: paged.items, nextCursor: paged.nextCursor }
    : { [key]: paged.items };
}

/**
 * Errors a handler's failure must not be turned into a tool result. (A cancelled request's
 * result is never sent, so whatever it becomes does not matter.)
 */
function isControl(error: unknown): boolean {
  return (
    error instanceof InputRequiredSignal ||
    error instanceof InvalidInputResponseError ||
    error instanceof MissingClientCapabilityError ||
    error instanceof CancelledError ||
    error instanceof TimeoutError
  );
}

/** Refuse the operation unless the caller has every scope it needs. */
function requireScopes(
  ctx: HandlerContext,
  scopes: readonly string[] | undefined,
  what: string,
): void {
  if (scopes && missingScopes(ctx.principal, scopes).length > 0)
    throw new InsufficientScopeError(what, scopes);
}

/** Keep the entries the caller may use, unless the server lists everything. */
function visible<T>(
  server: Server,
  ctx: HandlerContext,
  items: readonly T[],
  scopesOf: (item: T) => readonly string[] | undefined,
): readonly T[] {
  if (server.options.hideUnauthorized === false) return items;
  return items.some((item) => missingScopes(ctx.principal, scopesOf(item)).length > 0)
    ? items.filter((item) => missingScopes(ctx.principal, scopesOf(item)).length === 0)
    : items;
}

async function callTool(
  server: Server,
  params: JsonObject,
  ctx: HandlerContext,
  cancellation: Cancellation | undefined,
): Promise<CallToolResult> {
  const name = requireString(params, "name");
  const tool = server.getTool(name);
  if (!tool) throw new InvalidParamsError(`Unknown tool: ${name}`, { data: { name } });
  requireScopes(ctx, tool.scopes, `tool ${name}`);
  const raw = optionalObject(params, "arguments");
  let args: unknown;
  try {
    args = tool.input.validate(raw, "Invalid argument");
  } catch (error) {
    // Argument errors go back to the model as a tool error so it can correct itself.
    return { content: [{ type: "text", text: (error as Error).message }], isError: true };
  }
  try {
    const value =
      tool.timeoutMs === undefined
        ? await tool.handler(args as never, ctx)
        : await withDeadline(
            async () => tool.handler(args as never, ctx),
            tool.timeoutMs,
            cancellation,
            `Tool ${name}`,
          );
    return toCallToolResult(value as ToolReturn, tool.output);
  } catch (error) {
    if (isControl(error)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return { content: [{ type: "text", text: message }], isError: true };
  }
}

async function readResource(
  server: Server,
  params: JsonObject,
  ctx: HandlerContext,
): Promise<JsonObject> {
  const uri = requireString(params, "uri");
  const fixed = server.getResource(uri);
  if (fixed) {
    requireScopes(ctx, fixed.scopes, `resource ${uri}`);
    return toReadResourceResult(
      await fixed.handler(uri, ctx),
      uri,
      fixed.mimeType,
    ) as unknown as JsonObject;
  }
  for (const entry of server.templates()) {
    const variables = entry.template.match(uri);
    if (variables) {
      requireScopes(ctx, entry.config.scopes, `resource ${uri}`);
      const value = await entry.handler(uri, variables, ctx);
      return toReadResourceResult(value, uri, entry.config.mimeType) as unknown as JsonObject;
    }
  }
  throw new ResourceNotFoundError(uri);
}

async function listResources(
  server: Server,
  params: JsonObject,
  ctx: HandlerContext,
): Promise<JsonObject> {
  const all: JsonObject[] = visible(server, ctx, [...server.resources()], (r) => r.scopes).map(
    (r) => r.listing,
  );
  for (const entry of visible(server, ctx, server.templates(), (t) => t.config.scopes)) {
    if (!entry.config.list) continue;
    for (const { uri, name, ...config } of await entry.config.list(ctx)) {
      all.push({
        uri,
        name,
        ...(entry.config.mimeType ? { mimeType: entry.config.mimeType } : {}),
        ...config,
      });
    }
  }
  return listed("resources", page(server, all, params));
}

async function getPrompt(
  server: Server,
  params: JsonObject,
  ctx: HandlerContext,
): Promise<JsonObject> {
  const name = requireString(params, "name");
  const prompt = server.getPrompt(name);
  if (!prompt) throw new InvalidParamsError(`Unknown prompt: ${name}`, { data: { name } });
  requireScopes(ctx, prompt.config.scopes, `prompt ${name}`);
  const args = optionalObject(params, "arguments");
  for (const argument of prompt.config.arguments ?? []) {
    const value = args[argument.name];
    if (argument.required && value === undefined) {
      throw new InvalidParamsError(
        `Missing required argument '${argument.name}' of prompt ${name}`,
      );
    }
    if (value !== undefined && typeof value !== "string") {
      throw new InvalidParamsError(
        `Argument '${argument.name}' of prompt ${name} must be a string`,
      );
    }
  }
  const value = await prompt.handler(args as Record<string, string>, ctx);
  return toGetPromptResult(value, prompt.config.description) as unknown as JsonObject;
}

async function complete(
  server: Server,
  params: JsonObject,
  ctx: HandlerContext,
): Promise<JsonObject> {
  const ref = params["ref"] as JsonObject | undefined;
  const argument = params["argument"] as JsonObject | undefined;
  if (!ref || typeof ref !== "object")
    throw new InvalidParamsError("Missing required parameter 'ref'");
  if (!argument || typeof argument["name"] !== "string" || typeof argument["value"] !== "string") {
    throw new InvalidParamsError("Parameter 'argument' must have a string 'name' and 'value'");
  }
  const context = {
    arguments: ((params["context"] as JsonObject | undefined)?.["arguments"] ?? {}) as Record<
      string,
      string
    >,
  };
  let completer: Completer | undefined;
  if (ref["type"] === "ref/prompt") {
    const prompt = server.getPrompt(requireString(ref, "name"));
    if (!prompt) throw new InvalidParamsError(`Unknown prompt: ${String(ref["name"])}`);
    // Completions show what a prompt accepts: the same scopes as the prompt itself.
    requireScopes(ctx, prompt.config.scopes, `prompt ${String(ref["name"])}`);
    completer = prompt.completers.get(argument["name"]);
  } else if (ref["type"] === "ref/resource") {
    const uri = requireString(ref, "uri");
    const entry = server.templates().find((t) => t.template.template === uri);
    const fixed = entry ? undefined : server.getResource(uri);
    if (!entry && !fixed) throw new InvalidParamsError(`Unknown resource template: ${uri}`);
    requireScopes(ctx, entry ? entry.config.scopes : fixed?.scopes, `resource ${uri}`);
    completer = entry?.config.complete?.[argument["name"]];
  } else {
    throw new InvalidParamsError("Parameter 'ref.type' must be 'ref/prompt' or 'ref/resource'");
  }
  const all = completer ? await completer(argument["value"], context) : [];
  const values = all.slice(0, 100);
  return { completion: { values, total: all.length, hasMore: all.length > values.length } };
}

/**
 * Answer one protocol-neutral request. Codecs call this for every method in
 * {@link ENGINE_METHODS}; everything era-specific stays in the codec. With `options`, time
 * limits apply: the request's and the tool's.
 */
export function dispatch(
  server: Server,
  method: string,
  params: JsonObject,
  ctx: HandlerContext,
  options?: DispatchOptions,
): Promise<JsonObject> {
  if (options?.timeoutMs === undefined) return answer(server, method, params, ctx, options);
  return withDeadline(
    () => answer(server, method, params, ctx, options),
    options.timeoutMs,
    options.cancellation,
    `Request ${method}`,
  );
}

async function answer(
  server: Server,
  method: string,
  params: JsonObject,
  ctx: HandlerContext,
  options: DispatchOptions | undefined,
): Promise<JsonObject> {
  switch (method) {
    case "tools/call":
      return (await callTool(server, params, ctx, options?.cancellation)) as unknown as JsonObject;
    case "tools/list": {
      const tools = server.sortedTools();
      const shown = visible(server, ctx, tools, (t) => t.scopes);
      const listings = shown === tools ? server.toolListings() : shown.map((t) => t.listing);
      return listed("tools", page(server, listings, params));
    }
    case "resources/read":
      return readResource(server, params, ctx);
    case "resources/list":
      return listResources(server, params, ctx);
    case "resources/templates/list":
      return listed(
        "resourceTemplates",
        page(
          server,
          visible(server, ctx, server.templates(), (t) => t.config.scopes).map((t) => t.listing),
          params,
        ),
      );
    case "prompts/list":
      return listed(
        "prompts",
        page(
          server,
          visible(server, ctx, [...server.prompts()], (p) => p.config.scopes).map((p) => p.listing),
          params,
        ),
      );
    case "prompts/get":
      return getPrompt(server, params, ctx);
    case "completion/complete":
      return complete(server, params, ctx);
    default:
      throw new MethodNotFoundError(method);
  }
}
