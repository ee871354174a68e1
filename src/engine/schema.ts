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
 * or plain JSON Schema (converted to a zod validator).
 */
export function compileSchema(schema: SchemaInput, role: "input" | "output"): CompiledSchema {
  let standard: StandardSchemaV1;
  let jsonSchema: JsonSchema;
  if (isStandard(schema)) {
    standard = schema;
    const exported = schema["~standard"].jsonSchema;
    if (exported) {
      jsonSchema = exported[role]({ target: "draft-2020-12" });
    } else if (schema instanceof z.ZodType) {
      jsonSchema = z.toJSONSchema(schema, { target: "draft-2020-12", io: role });
    } else {
      throw new TypeError(
        `The ${schema["~standard"].vendor} schema cannot describe itself as JSON Schema; pass a plain JSON Schema instead`,
      );
    }
  } else {
    jsonSchema = schema;
    standard = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  }
  const { $schema: _ignored, ...listed } = jsonSchema as Record<string, unknown>;
  if (listed["type"] !== "object") {
    throw new TypeError(
      `A ${role} schema must describe an object (got type ${JSON.stringify(listed["type"])})`,
    );
  }
  const validate = standard["~standard"].validate;
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

/** The empty-object schema used for tools that take no arguments. */
export const EMPTY_OBJECT_SCHEMA: CompiledSchema = {
  jsonSchema: { type: "object", properties: {} },
  validate(value) {
    return value ?? {};
  },
};
