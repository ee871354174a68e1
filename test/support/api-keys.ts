import { generateApiKey, ResourceServer } from "berth";
import { MemoryAuthStore } from "berth/store";

/**
 * A resource server accepting one API key each for users alice and bob (key ids
 * `key-alice`, `key-bob`), with the store they are in.
 */
export async function keyedResourceServer(): Promise<{
  auth: ResourceServer;
  keys: { alice: string; bob: string };
  store: MemoryAuthStore;
}> {
  const store = new MemoryAuthStore();
  const now = Date.now();
  const keys = { alice: "", bob: "" };
  for (const name of ["alice", "bob"] as const) {
    await store.createUser({
      id: `u-${name}`,
      username: name,
      displayName: null,
      passwordHash: null,
      disabled: false,
      createdAt: now,
      updatedAt: now,
    });
    const { key, hash, prefix } = generateApiKey();
    await store.createApiKey({
      id: `key-${name}`,
      name: `${name}'s key`,
      ownerId: `u-${name}`,
      scopes: [],
      hash,
      prefix,
      createdAt: now,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    keys[name] = key;
  }
  return { auth: new ResourceServer({ store }), keys, store };
}
