import { createServer, InvalidParamsError, type StandardSchemaV1 } from "berth";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compileSchema } from "../../src/engine/schema.js";

describe("tool schemas", () => {
  it("lists a zod schema as JSON Schema 2020-12 without the $schema key and validates with zod", () => {
    const compiled = compileSchema(z.object({ n: z.number().int().describe("count") }), "input");
    expect(compiled.jsonSchema).toEqual({
      type: "object",
      properties: {
        n: {
          type: "integer",
          description: "count",
          minimum: expect.any(Number),
          maximum: expect.any(Number),
        },
      },
      required: ["n"],
    });
    expect(compiled.validate({ n: 2 }, "arg")).toEqual({ n: 2 });
    expect(() => compiled.validate({ n: 2.5 }, "Invalid argument")).toThrow(/Invalid argument 'n'/);
  });

  it("applies zod defaults and transforms before the handler sees the arguments", () => {
    const compiled = compileSchema(z.object({ sides: z.number().default(6) }), "input");
    expect(compiled.validate({}, "arg")).toEqual({ sides: 6 });
  });

  it("validates plain JSON Schema 2020-12, including conditionals and $ref", () => {
    const compiled = compileSchema(
      {
        type: "object",
        $defs: { id: { type: "string", pattern: "^[a-z]+$" } },
        properties: { kind: { enum: ["a", "b"] }, id: { $ref: "#/$defs/id" } },
        if: { properties: { kind: { const: "a" } } },
        // biome-ignore lint/suspicious/noThenProperty: "then" is a JSON Schema keyword here.
        then: { required: ["id"] },
      },
      "input",
    );
    expect(compiled.validate({ kind: "b" }, "arg")).toEqual({ kind: "b" });
    expect(() => compiled.validate({ kind: "a" }, "Invalid argument")).toThrow(
      /required property "id"/,
    );
    expect(() => compiled.validate({ kind: "b", id: "X1" }, "Invalid argument")).toThrow(
      /Invalid argument 'id'/,
    );
  });

  it("accepts any Standard Schema that can describe itself", () => {
    const custom: StandardSchemaV1<unknown, { word: string }> = {
      "~standard": {
        version: 1,
        vendor: "custom",
        validate: (value) =>
          typeof (value as { word?: unknown })?.word === "string"
            ? { value: value as { word: string } }
            : { issues: [{ message: "needs a word", path: ["word"] }] },
        jsonSchema: {
          input: () => ({
            type: "object",
            properties: { word: { type: "string" } },
            required: ["word"],
          }),
          output: () => ({ type: "object" }),
        },
      },
    };
    const compiled = compileSchema(custom, "input");
    expect(compiled.jsonSchema["required"]).toEqual(["word"]);
    expect(() => compiled.validate({}, "Invalid argument")).toThrow(
      "Invalid argument 'word': needs a word",
    );
  });

  it("refuses a schema that is not an object schema, and a Standard Schema with no JSON Schema", () => {
    expect(() => compileSchema(z.string(), "input")).toThrow(/must describe an object/);
    expect(() => compileSchema({ type: "array" }, "input")).toThrow(/must describe an object/);
    const opaque = {
      "~standard": {
        version: 1 as const,
        vendor: "opaque",
        validate: (v: unknown) => ({ value: v }),
      },
    };
    expect(() => compileSchema(opaque, "input")).toThrow(/cannot describe itself/);
  });

  it("raises InvalidParamsError, the -32602 error", () => {
    const compiled = compileSchema(z.object({ a: z.string() }), "input");
    expect(() => compiled.validate({}, "arg")).toThrow(InvalidParamsError);
  });
});

describe("registration", () => {
  it("refuses bad names and duplicates and keeps what was registered", () => {
    const server = createServer({ name: "t", version: "1" });
    server.tool("ok", { description: "d" }, () => "x");
    expect(() => server.tool("ok", { description: "d" }, () => "y")).toThrow(/already registered/);
    expect(() => server.tool("has space", { description: "d" }, () => "y")).toThrow(
      /must be 1-128 characters/,
    );
    expect(() => server.resource("r", "not a uri", {}, () => "x")).toThrow(/not an absolute URI/);
    expect(() =>
      server.resourceTemplate("t", "x://{a}", { complete: { b: () => [] } }, () => "x"),
    ).toThrow(/names no variable/);
    expect(server.toolListings().map((t) => t.name)).toEqual(["ok"]);
  });

  it("tells listeners about registrations and removals", () => {
    const server = createServer({ name: "t", version: "1" });
    const changes: string[] = [];
    server.onChange((change) => changes.push(change.kind));
    const tool = server.tool("a", { description: "d" }, () => "x");
    server.prompt("p", { description: "d" }, () => "x");
    tool.remove();
    server.resourceUpdated("x://y");
    expect(changes).toEqual(["tools", "prompts", "tools", "resource"]);
  });

  it("registers an MCP App as a tool pointing at its ui:// view", () => {
    const server = createServer({ name: "cards", version: "1" });
    server.app("card", { description: "A card", html: "<p>hi</p>" }, () => "made");
    const tool = server.toolListings()[0]!;
    expect(tool["_meta"]).toEqual({ ui: { resourceUri: "ui://cards/card" } });
    expect(server.getResource("ui://cards/card")?.mimeType).toBe("text/html;profile=mcp-app");
    expect(() =>
      server.app("bad", { description: "d", uri: "https://x", html: "" }, () => "x"),
    ).toThrow(/ui:\/\//);
  });

  it("leaves nothing registered when an app's tool is refused (regression: orphaned view)", () => {
    const server = createServer({ name: "cards", version: "1" });
    server.tool("card", { description: "taken" }, () => "x");
    expect(() =>
      server.app("card", { description: "A card", html: "<p>hi</p>" }, () => "made"),
    ).toThrow(/already registered/);
    expect(server.getResource("ui://cards/card")).toBeUndefined();
  });
});
