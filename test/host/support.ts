import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, generateApiKey, hashPassword, type Server } from "berth";
import { MemoryAuthStore } from "berth/store";
import { z } from "zod";

/** The password of every user {@link seededStore} creates. */
export const PASSWORD = "correct horse battery";

/** A server named `name` with an `echo` tool answering `<name>: <text>`. */
export function echoServer(name: string, title?: string): Server {
  const server = createServer({ name, version: "1.2.3", ...(title ? { title } : {}) });
  server.tool("echo", { input: z.object({ text: z.string() }) }, ({ text }) => `${name}: ${text}`);
  return server;
}

/**
 * A memory store with users `ann` and `bob` (password {@link PASSWORD}) and one API key per
 * entry of `keys`, owned by ann, with those scopes.
 */
export async function seededStore<K extends string>(
  keys: Record<K, string[]>,
): Promise<{ store: MemoryAuthStore; keys: Record<K, string> }> {
  const store = new MemoryAuthStore();
  const now = Date.now();
  for (const name of ["ann", "bob"]) {
    await store.createUser({
      id: `u-${name}`,
      username: name,
      displayName: name.toUpperCase(),
      passwordHash: await hashPassword(PASSWORD),
      disabled: false,
      createdAt: now,
      updatedAt: now,
    });
  }
  const made = {} as Record<K, string>;
  for (const [name, scopes] of Object.entries(keys) as [K, string[]][]) {
    const { key, hash, prefix } = generateApiKey();
    await store.createApiKey({
      id: `key-${name}`,
      name,
      ownerId: "u-ann",
      scopes,
      hash,
      prefix,
      createdAt: now,
      expiresAt: null,
      lastUsedAt: null,
      revokedAt: null,
    });
    made[name] = key;
  }
  return { store, keys: made };
}

export { callTool, resultText } from "../support/http.js";

/** A new empty directory, and a function removing it. */
export function tempDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), "berth-host-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}
