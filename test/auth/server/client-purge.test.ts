import { afterEach, describe, expect, it, vi } from "vitest";
import { codeRecord, grantRecord } from "../../store/auth-store.contract.js";
import { startAuthorizationServer } from "./setup.js";

const DAY_MS = 86_400_000;

afterEach(() => {
  vi.useRealTimers();
});

describe("registered clients nobody signed in with", () => {
  it("are deleted once older than lifetimes.unusedClient; clients with a grant stay", async () => {
    const { http, oauth, store, origin } = await startAuthorizationServer({
      lifetimes: { unusedClient: 7 * 86_400 },
    });
    try {
      const now = Date.now();
      const client = (id: string, createdAt: number) => ({
        id,
        secretHash: null,
        metadata: { client_name: id, redirect_uris: ["http://127.0.0.1:9/callback"] },
        createdAt,
      });
      await store.createClient(client("abandoned", now - 8 * DAY_MS));
      await store.createClient(client("signed-in", now - 8 * DAY_MS));
      await store.createClient(client("recent", now - 6 * DAY_MS));
      await store.createGrant(
        grantRecord({ clientId: "signed-in", userId: "u-alice" }),
        codeRecord({ expiresAt: now + DAY_MS }),
      );

      // The hourly purge starts with the first request the authorization server answers.
      vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
      expect((await fetch(`${origin}/.well-known/oauth-authorization-server`)).status).toBe(200);
      expect(await store.getClient("abandoned")).toBeDefined();
      vi.advanceTimersByTime(3_600_000);
      await vi.waitFor(async () => expect(await store.getClient("abandoned")).toBeUndefined());
      expect(await store.getClient("signed-in")).toBeDefined();
      expect(await store.getClient("recent")).toBeDefined();
    } finally {
      oauth.close();
      await http.close();
    }
  });
});
