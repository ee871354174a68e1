import { beforeAll, describe, expect, it } from "vitest";
import { describeClientsAgainst } from "./behaviours.js";
import { assertBuilt, CLIENTS, DEMO_STDIO } from "./clients.js";

beforeAll(() => assertBuilt());

describe("official clients over stdio (berth stdio, built demo)", () => {
  describeClientsAgainst(() => ({ stdio: DEMO_STDIO }));

  // `berth stdio` exits once stdin ends and every in-flight request has finished, so a
  // quick exit after closing proves the cancelled handler really stopped. Had it kept
  // counting, the client would wait 2 s for the exit and then kill the server.
  describe.each(CLIENTS)("$name", (config) => {
    it("stops a cancelled tool, so the server exits as soon as the client closes", async () => {
      const client = await config.connect({ stdio: DEMO_STDIO });
      let closedInMs: number;
      try {
        const controller = new AbortController();
        const call = client.callTool(
          "count_slowly",
          { to: 1000, intervalMs: 20 },
          { signal: controller.signal, onprogress: () => controller.abort("the user gave up") },
        );
        await expect(call).rejects.toThrow("the user gave up");
      } finally {
        const closing = Date.now();
        await client.close();
        closedInMs = Date.now() - closing;
      }
      expect(closedInMs).toBeLessThan(1_500);
    });
  });
});
