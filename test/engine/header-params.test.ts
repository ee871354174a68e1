import { createServer } from "berth";
import { describe, expect, it } from "vitest";

const server = () => createServer({ name: "t", version: "1" });
const schema = (properties: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  type: "object",
  properties,
  ...extra,
});

describe("x-mcp-header annotations", () => {
  it("accepts string, integer and boolean properties, nested through properties", () => {
    const s = server();
    s.tool(
      "ok",
      {
        description: "d",
        input: schema({
          a: { type: "string", "x-mcp-header": "A" },
          nested: { type: "object", properties: { b: { type: "integer", "x-mcp-header": "B" } } },
        }),
      },
      () => "ok",
    );
    expect(s.getTool("ok")?.headerParams.map((p) => [p.header, p.path.join(".")])).toEqual([
      ["mcp-param-a", "a"],
      ["mcp-param-b", "nested.b"],
    ]);
  });

  it.each([
    [
      "a number property",
      schema({ a: { type: "number", "x-mcp-header": "A" } }),
      "type string, integer or boolean",
    ],
    ["an empty name", schema({ a: { type: "string", "x-mcp-header": "" } }), "HTTP token"],
    ["a name with a space", schema({ a: { type: "string", "x-mcp-header": "A B" } }), "HTTP token"],
    [
      "a duplicate name ignoring case",
      schema({
        a: { type: "string", "x-mcp-header": "Id" },
        b: { type: "string", "x-mcp-header": "ID" },
      }),
      "appears twice",
    ],
    [
      "an annotation under items",
      schema({ a: { type: "array", items: { type: "string", "x-mcp-header": "A" } } }),
      "through 'properties' only",
    ],
    [
      "an annotation under anyOf",
      schema({}, { anyOf: [{ properties: { a: { type: "string", "x-mcp-header": "A" } } }] }),
      "through 'properties' only",
    ],
  ])("refuses %s at registration, leaving the server unchanged", (_what, input, message) => {
    const s = server();
    expect(() => s.tool("bad", { description: "d", input }, () => "x")).toThrow(message);
    expect(s.getTool("bad")).toBeUndefined();
    expect(s.toolListings()).toEqual([]);
  });
});
