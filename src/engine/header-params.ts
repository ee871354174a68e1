import type { JsonSchema } from "./schema.js";

/** A tool argument mirrored into an `Mcp-Param-{name}` HTTP header (2026-07-28). */
export interface HeaderParam {
  /** The `x-mcp-header` value, as declared. */
  readonly name: string;
  /** The lower-cased HTTP header name (`mcp-param-<name>`). */
  readonly header: string;
  /** Property path of the argument from the arguments root. */
  readonly path: readonly string[];
  /** JSON Schema type of the argument. */
  readonly type: "string" | "integer" | "boolean";
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const ALLOWED_TYPES = new Set(["string", "integer", "boolean"]);

/**
 * Find the `x-mcp-header` annotations of an input schema, checking the spec's constraints:
 * a token name, unique ignoring case, on a string, integer or boolean property reachable
 * from the root through `properties` only. Throws a TypeError naming the problem.
 */
export function findHeaderParams(schema: JsonSchema, tool: string): HeaderParam[] {
  const found: HeaderParam[] = [];
  const walk = (node: unknown, path: string[], reachable: boolean): void => {
    if (typeof node !== "object" || node === null) return;
    if (Array.isArray(node)) {
      for (const item of node) walk(item, path, false);
      return;
    }
    const record = node as Record<string, unknown>;
    const name = record["x-mcp-header"];
    if (name !== undefined) {
      const where = `tool '${tool}', property '${path.join(".")}'`;
      if (!reachable || path.length === 0) {
        throw new TypeError(
          `x-mcp-header in ${where} must sit on a property reached through 'properties' only`,
        );
      }
      if (typeof name !== "string" || !TOKEN.test(name)) {
        throw new TypeError(
          `x-mcp-header in ${where} must be a non-empty HTTP token (got ${JSON.stringify(name)})`,
        );
      }
      if (!ALLOWED_TYPES.has(record["type"] as string)) {
        throw new TypeError(`x-mcp-header in ${where} needs type string, integer or boolean`);
      }
      const header = `mcp-param-${name.toLowerCase()}`;
      if (found.some((p) => p.header === header)) {
        throw new TypeError(
          `x-mcp-header '${name}' appears twice in tool '${tool}' (names are case-insensitive)`,
        );
      }
      found.push({ name, header, path: [...path], type: record["type"] as HeaderParam["type"] });
    }
    for (const [key, value] of Object.entries(record)) {
      if (
        key === "properties" &&
        typeof value === "object" &&
        value !== null &&
        !Array.isArray(value)
      ) {
        for (const [property, child] of Object.entries(value))
          walk(child, [...path, property], reachable);
      } else if (key !== "x-mcp-header") {
        walk(value, path, false);
      }
    }
  };
  walk(schema, [], true);
  return found;
}

/** The argument value at a header param's path, or `undefined`. */
export function valueAt(args: unknown, path: readonly string[]): unknown {
  let value = args;
  for (const key of path) {
    if (typeof value !== "object" || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
