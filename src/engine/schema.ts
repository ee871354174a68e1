import { Validator } from "@cfworker/json-schema";
import { z } from "zod";
import { InvalidParamsError } from "../errors.js";

/** A Standard Schema (zod, valibot, arktype …), as defined at standardschema.dev. */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
    readonly jsonSchema?: {
      readonly input: (options: { target: string }) => Record<string, unknown>;
      readonly output: (options: { target: string }) => Record<string, unknown>;
    };
  };
}

type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

/** A plain JSON Schema (2020-12) object. */
export type JsonSchema = { readonly [key: string]: unknown };

/** Anything Berth accepts as a tool, prompt or output schema. */
export type SchemaInput = StandardSchemaV1 | JsonSchema;

/** The type a schema produces after validation (`unknown`-keyed record for plain JSON Schema). */
export type Infer<S> = S extends StandardSchemaV1<unknown, infer O> ? O : Record<string, unknown>;

/** A schema compiled once at registration: its JSON Schema and a validator. */
export interface CompiledSchema {
  /** JSON Schema 2020-12 sent in listings. */
  readonly jsonSchema: JsonSchema;
  /** Validate a value; throws {@link InvalidParamsError} naming the failing field. */
  validate(value: unknown, what: string): unknown;
}

function isStandard(schema: SchemaInput): schema is StandardSchemaV1 {
  return typeof (schema as StandardSchemaV1)["~standard"] === "object";
}

function pathOf(issue: StandardIssue): string {
  if (!issue.path || issue.path.length === 0) return "";
  return issue.path
    .map((p) => String(typeof p === "object" && p !== null ? (p as { key: PropertyKey }).key : p))
    .join(".");
}

function describeIssues(issues: ReadonlyArray<StandardIssue>, what: string): string {
  return issues
    .map((issue) => {
      const path = pathOf(issue);
      return path ? `${what} '${path}': ${issue.message}` : `${what}: ${issue.message}`;
    })
    .join("; ");
}

/**
 * Compile a schema once: zod v4 and other Standard Schemas with a JSON Schema export,
 * or plain JSON Schema 2020-12 (or draft-07, when its `$schema` says so).
 */
export function compileSchema(schema: SchemaInput, role: "input" | "output"): CompiledSchema {
  if (!isStandard(schema)) return compileJsonSchema(schema, role);
  const exported = schema["~standard"].jsonSchema;
  let jsonSchema: JsonSchema;
  if (exported) {
    jsonSchema = exported[role]({ target: "draft-2020-12" });
  } else if (schema instanceof z.ZodType) {
    jsonSchema = z.toJSONSchema(schema, { target: "draft-2020-12", io: role });
  } else {
    throw new TypeError(
      `The ${schema["~standard"].vendor} schema cannot describe itself as JSON Schema; pass a plain JSON Schema instead`,
    );
  }
  const { $schema: _dialect, ...listed } = jsonSchema as Record<string, unknown>;
  assertObjectSchema(listed, role);
  const validate = schema["~standard"].validate;
  return {
    jsonSchema: listed,
    validate(value, what) {
      const result = validate(value);
      if (result instanceof Promise) {
        throw new TypeError("Asynchronous schemas are not supported; use a synchronous schema");
      }
      if (result.issues) throw new InvalidParamsError(describeIssues(result.issues, what));
      return result.value;
    },
  };
}

function assertObjectSchema(schema: JsonSchema, role: string): void {
  if (schema["type"] !== "object") {
    throw new TypeError(
      `A ${role} schema must describe an object (got type ${JSON.stringify(schema["type"])})`,
    );
  }
}

/** Keywords whose errors only say that a nested keyword failed. */
const WRAPPERS = new Set([
  "properties",
  "allOf",
  "anyOf",
  "oneOf",
  "if",
  "then",
  "else",
  "$ref",
  "items",
  "prefixItems",
]);

/** A plain JSON Schema, validated with a full JSON Schema 2020-12 validator. */
function compileJsonSchema(schema: JsonSchema, role: "input" | "output"): CompiledSchema {
  assertObjectSchema(schema, role);
  const draft = String(schema["$schema"] ?? "").includes("draft-07") ? "7" : "2020-12";
  const validator = new Validator(schema as Record<string, unknown> as never, draft, false);
  return {
    jsonSchema: schema,
    validate(value, what) {
      const result = validator.validate(value);
      if (result.valid) return value;
      const specific = result.errors.filter((e) => !WRAPPERS.has(e.keyword));
      const message = (specific.length > 0 ? specific : result.errors)
        .slice(0, 3)
        .map((e) => {
          const path = e.instanceLocation.replace(/^#\/?/, "").replaceAll("/", ".");
          return path ? `${what} '${path}': ${e.error}` : `${what}: ${e.error}`;
        })
        .join("; ");
      throw new InvalidParamsError(message);
    },
  };
}

/** The empty-object schema used for tools that take no arguments. */
export const EMPTY_OBJECT_SCHEMA: CompiledSchema = {
  jsonSchema: { type: "object", properties: {} },
  validate(value) {
    return value ?? {};
  },
};
