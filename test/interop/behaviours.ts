/**
 * What every official client must be able to do with the Berth demo server, whatever the
 * transport. Each test file supplies the target; this file runs the same behaviour for
 * every client configuration in {@link CLIENTS}.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLIENTS,
  FAVOURITE_NUMBER,
  type InteropClient,
  type Progress,
  type Target,
} from "./clients.js";

const APP_URI = "ui://berth-demo/greeting_card";
const APP_MIME_TYPE = "text/html;profile=mcp-app";

/** Run the interop behaviour for every client against `target()` (read once per client). */
export function describeClientsAgainst(target: () => Target): void {
  describe.each(CLIENTS)("$name", (config) => {
    let client: InteropClient;
    beforeAll(async () => {
      client = await config.connect(target());
    });
    afterAll(async () => {
      await client?.close();
    });

    it(`negotiates protocol ${config.expectedVersion}`, () => {
      expect(client.protocolVersion).toBe(config.expectedVersion);
    });

    it("lists the demo tools with roll_dice's input and output schemas", async () => {
      const tools = await client.listTools();
      // whoami needs the `profile` scope: the local stdio user has every scope, an
      // anonymous HTTP caller none, so it is listed only over stdio.
      const scoped = "stdio" in target() ? ["whoami"] : [];
      expect(tools.map((t) => t.name).sort()).toEqual([
        "ask_favorite_number",
        "count_slowly",
        "greeting_card",
        "roll_dice",
        ...scoped,
      ]);
      const rollDice = tools.find((t) => t.name === "roll_dice");
      expect(rollDice?.inputSchema).toMatchObject({
        type: "object",
        properties: {
          sides: { type: "integer", minimum: 2, maximum: 1000, default: 6 },
          count: { type: "integer", minimum: 1, maximum: 100, default: 1 },
        },
      });
      expect(rollDice?.outputSchema).toMatchObject({
        type: "object",
        properties: {
          rolls: { type: "array", items: { type: "integer" } },
          total: { type: "integer" },
        },
        required: ["rolls", "total"],
      });
    });

    it("calls roll_dice and gets structured content matching its output schema", async () => {
      const result = await client.callTool("roll_dice", { sides: 6, count: 3 });
      expect(result.isError).toBeFalsy();
      const { rolls, total } = result.structuredContent as { rolls: number[]; total: number };
      expect(rolls).toHaveLength(3);
      for (const roll of rolls) expect(roll).toBeGreaterThanOrEqual(1);
      for (const roll of rolls) expect(roll).toBeLessThanOrEqual(6);
      expect(total).toBe(rolls.reduce((a, b) => a + b, 0));
    });

    it("reads a document from the resource template", async () => {
      const contents = await client.readResource("docs://demo/welcome");
      expect(contents).toEqual([
        expect.objectContaining({
          uri: "docs://demo/welcome",
          mimeType: "text/markdown",
          text: expect.stringContaining("# Welcome"),
        }),
      ]);
    });

    it("finds the greeting card's app view through the tool's _meta and reads it", async () => {
      const tools = await client.listTools();
      const card = tools.find((t) => t.name === "greeting_card");
      expect(card?._meta).toMatchObject({ ui: { resourceUri: APP_URI } });
      const [view] = await client.readResource(APP_URI);
      expect(view).toMatchObject({ uri: APP_URI, mimeType: APP_MIME_TYPE });
      expect(view?.text).toContain("<!doctype html>");
    });

    it("gets the write_greeting prompt with the arguments filled in", async () => {
      const prompt = await client.getPrompt("write_greeting", { name: "Ada", style: "pirate" });
      expect(prompt.messages).toEqual([
        { role: "user", content: { type: "text", text: "Write a short pirate greeting for Ada." } },
      ]);
    });

    it("completes the prompt's style argument and the template's name variable", async () => {
      const styles = await client.complete({
        ref: { type: "ref/prompt", name: "write_greeting" },
        argument: { name: "style", value: "f" },
      });
      expect(styles).toEqual(["formal", "friendly"]);
      const names = await client.complete({
        ref: { type: "ref/resource", uri: "docs://demo/{name}" },
        argument: { name: "name", value: "c" },
      });
      expect(names).toEqual(["cards"]);
    });

    it("receives count_slowly's progress notifications in increasing order", async () => {
      const progress: Progress[] = [];
      const result = await client.callTool(
        "count_slowly",
        { to: 3, intervalMs: 20 },
        { onprogress: (p) => progress.push(p) },
      );
      expect(result.content).toEqual([{ type: "text", text: "Counted to 3" }]);
      expect(progress.length).toBeGreaterThanOrEqual(1);
      const values = progress.map((p) => p.progress);
      for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
      // Not "the last one is 3": the v2 client runs notification handlers a microtask
      // late but settles responses at once, so it drops a progress notification that
      // arrives in the same read as the response (Berth sends them in order).
      for (const p of progress)
        expect(p).toMatchObject({ total: 3, message: `Counted ${p.progress}` });
      expect(values[0]).toBe(1);
    });

    it("answers ask_favorite_number's elicitation through its handler", async () => {
      const before = client.elicitations.length;
      const result = await client.callTool("ask_favorite_number", {});
      expect(result.isError).toBeFalsy();
      expect(result.content[0]?.text).toContain(`Your favourite number is ${FAVOURITE_NUMBER}`);
      expect(client.elicitations.slice(before)).toEqual([
        expect.objectContaining({
          message: "What is your favourite number?",
          requestedSchema: expect.objectContaining({ required: ["number"] }),
        }),
      ]);
    });

    // Regression: legacy HTTP used to answer a cancelled request (the handler's late
    // result, or a -32800 error), which clients report as a response to an unknown id.
    it("sends nothing back for a request the client cancelled", async () => {
      const before = client.errors.length;
      const controller = new AbortController();
      const call = client.callTool(
        "count_slowly",
        { to: 1000, intervalMs: 20 },
        { signal: controller.signal, onprogress: () => controller.abort("the user gave up") },
      );
      await expect(call).rejects.toThrow("the user gave up");
      // count_slowly notices the cancellation within one 20 ms step.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(client.errors.slice(before).map((e) => e.message)).toEqual([]);
    });

    it("cancels count_slowly promptly through an AbortSignal and keeps serving", async () => {
      const controller = new AbortController();
      const started = Date.now();
      const call = client.callTool(
        "count_slowly",
        { to: 1000, intervalMs: 50 },
        { signal: controller.signal, onprogress: () => controller.abort("the user gave up") },
      );
      await expect(call).rejects.toThrow("the user gave up");
      expect(Date.now() - started).toBeLessThan(3_000);
      const next = await client.callTool("roll_dice", { sides: 2, count: 1 });
      expect(next.structuredContent).toMatchObject({ total: expect.any(Number) });
    });
  });
}
