import { describe, expect, it } from "vitest";
import {
  toCallToolResult,
  toGetPromptResult,
  toReadResourceResult,
} from "../../src/engine/normalize.js";

describe("result normalization", () => {
  it("never hands back the handler's own object, so codecs can decorate results safely", () => {
    const tool = Object.freeze({ content: [{ type: "text" as const, text: "x" }] });
    const prompt = Object.freeze({ messages: [] });
    const read = Object.freeze({ contents: [] });
    expect(toCallToolResult(tool, undefined)).not.toBe(tool);
    expect(toGetPromptResult(prompt, undefined)).not.toBe(prompt);
    expect(toReadResourceResult(read, "x://y", undefined)).not.toBe(read);
    expect(toCallToolResult(tool, undefined)).toEqual(tool);
  });

  it("turns strings, blocks and bytes into full results", () => {
    expect(toCallToolResult("hi", undefined)).toEqual({ content: [{ type: "text", text: "hi" }] });
    expect(
      toCallToolResult({ type: "image", data: "AA==", mimeType: "image/png" }, undefined).content,
    ).toHaveLength(1);
    expect(
      toReadResourceResult(new Uint8Array([1, 2]), "x://b", "application/octet-stream"),
    ).toEqual({
      contents: [{ uri: "x://b", blob: "AQI=", mimeType: "application/octet-stream" }],
    });
    expect(toGetPromptResult("Say hi", "d")).toEqual({
      description: "d",
      messages: [{ role: "user", content: { type: "text", text: "Say hi" } }],
    });
  });
});
