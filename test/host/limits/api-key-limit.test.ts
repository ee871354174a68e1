import { createServer, generateApiKey, ResourceServer, rateLimitPlugin } from "berth";
import { MemoryAuthStore } from "berth/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Limited, pool, startLimited } from "./harness.js";

const store = new MemoryAuthStore();
let limited: Limited;
let handled = 0;
const keys: string[] = [];

beforeAll(async () => {
  const now = Date.now();
  await store.createUser({
    id: "u-ann",
    username: "ann",
    displayName: null,
    passwordHash: null,
    disabled: false,
    createdAt: now,
    updatedAt: now,
  });
  // Both keys belong to the same user: the limit is per key, not per owner.
  for (const name of ["laptop", "ci"]) {
    const { key, hash, prefix } = generateApiKey();
    await store.createApiKey({
      id: `key-${name}`,
      name,
      ownerId: "u-ann",
      scopes: [],
      hash,
      prefix,
      createdAt: now,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    keys.push(key);
  }
  const server = createServer({ name: "limited", version: "1.0.0" });
  server.tool("ping", { description: "Answers pong" }, () => {
    handled++;
    return "pong";
  });
  const plugin = rateLimitPlugin({ rules: [{ by: "key", limit: 100, windowSeconds: 3600 }] });
  limited = await startLimited(server, plugin, { auth: new ResourceServer({ store }) });
});
afterAll(() => limited.close());

describe("a limit of 100 requests per hour per API key", () => {
  it("answers exactly 100 of 1,000 calls and refuses 900 with 429, Retry-After and -32029", async () => {
    const auth = { authorization: `Key ${keys[0]}` };
    const results = await pool(1000, 50, () => limited.call("ping", {}, auth));

    const ok = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    expect(ok).toHaveLength(100);
    expect(refused).toHaveLength(900);
    expect(handled).toBe(100);
    for (const r of ok) expect(r.body.result.content[0].text).toBe("pong");
    for (const r of refused) {
      const retryAfter = Number(r.headers.get("retry-after"));
      // One token comes back every 36 s.
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(36);
      expect(r.body.error.code).toBe(-32029);
      expect(r.body.error.data).toEqual({ retryAfterSeconds: retryAfter });
      expect(r.body.error.message).toBe(
        `Rate limit reached: 100 requests per 3600 s per API key; retry in ${retryAfter} s`,
      );
    }
  });

  it("leaves another key of the same user unaffected", async () => {
    const response = await limited.call("ping", {}, { authorization: `Key ${keys[1]}` });
    expect(response.status).toBe(200);
    expect(response.body.result.content[0].text).toBe("pong");
  });

  it("still refuses the first key", async () => {
    const response = await limited.call("ping", {}, { authorization: `Key ${keys[0]}` });
    expect(response.status).toBe(429);
  });
});
