import { type RunningHttpServer, serveHttp } from "berth";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { server } from "../../examples/demo.js";
import { describeClientsAgainst } from "./behaviours.js";
import { CLIENTS } from "./clients.js";

let running: RunningHttpServer;
beforeAll(async () => {
  running = await serveHttp(server, { port: 0, keepAliveMs: 0 });
});
afterAll(() => running?.close());

describe("official clients over Streamable HTTP", () => {
  describeClientsAgainst(() => ({ http: running.url }));

  describe.each(CLIENTS)("$name", (config) => {
    const opened = config.era === "legacy" ? 1 : 0;
    it(`opens ${opened} session${opened === 1 ? "" : "s"} and leaves none behind on close`, async () => {
      const before = running.endpoint.sessionCount;
      const client = await config.connect({ http: running.url });
      try {
        expect(running.endpoint.sessionCount - before).toBe(opened);
      } finally {
        await client.close();
      }
      expect(running.endpoint.sessionCount).toBe(before);
    });
  });
});
