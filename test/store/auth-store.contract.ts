import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BerthError } from "../../src/errors.js";
import {
  type ApiKeyRecord,
  type AuthStore,
  StoreConflictError,
  type UserRecord,
} from "../../src/store/index.js";

/** A user record with sensible defaults. */
export function userRecord(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: "user-alice",
    username: "alice",
    displayName: "Alice Liddell",
    passwordHash: "scrypt$hash-of-alice",
    disabled: false,
    createdAt: 1_000,
    updatedAt: 1_000,
    ...overrides,
  };
}

/** An API key record with sensible defaults, owned by {@link userRecord}'s user. */
export function apiKeyRecord(overrides: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    id: "key-1",
    name: "laptop",
    ownerId: "user-alice",
    scopes: ["tools:read", "tools:call"],
    hash: "a".repeat(64),
    prefix: "bk_1234",
    createdAt: 2_000,
    expiresAt: 9_000_000,
    lastUsedAt: null,
    revokedAt: null,
    ...overrides,
  };
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (error: Error) => error,
  );
  if (!outcome) throw new Error("expected the call to be refused, but it succeeded");
  return outcome;
}

/**
 * The behaviour every {@link AuthStore} shares. Each test gets a fresh, empty store from
 * `open` and closes it afterwards.
 */
export function describeAuthStoreContract(name: string, open: () => Promise<AuthStore>): void {
  describe(`${name} auth store`, () => {
    let store: AuthStore;
    const alice = userRecord();
    const bob = userRecord({ id: "user-bob", username: "bob", displayName: null });

    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe("users", () => {
      it("gives back a created user by id", async () => {
        await store.createUser(alice);
        expect(await store.getUser(alice.id)).toEqual(alice);
        expect(await store.getUser("nobody")).toBeUndefined();
      });

      it("keeps null fields and the disabled flag", async () => {
        const ghost = userRecord({
          id: "user-ghost",
          username: "ghost",
          displayName: null,
          passwordHash: null,
          disabled: true,
        });
        await store.createUser(ghost);
        expect(await store.getUser(ghost.id)).toEqual(ghost);
      });

      it("finds a user by username ignoring case", async () => {
        await store.createUser(alice);
        expect(await store.findUserByName("alice")).toEqual(alice);
        expect(await store.findUserByName("ALICE")).toEqual(alice);
        expect(await store.findUserByName("aLiCe")).toEqual(alice);
        expect(await store.findUserByName("alic")).toBeUndefined();
      });

      it("finds a non-ASCII username ignoring case", async () => {
        const emile = userRecord({ id: "user-emile", username: "émile" });
        await store.createUser(emile);
        expect(await store.findUserByName("ÉMILE")).toEqual(emile);
      });

      it("refuses a username taken in another case and changes nothing", async () => {
        await store.createUser(alice);
        const impostor = userRecord({ id: "user-impostor", username: "ALICE", displayName: "X" });
        const error = await rejection(store.createUser(impostor));
        expect(error).toBeInstanceOf(StoreConflictError);
        expect((error as StoreConflictError).code).toBe("ERR_STORE_CONFLICT");
        expect((error as StoreConflictError).status).toBe(409);
        expect(error.message).toContain("username 'ALICE' is taken");
        expect(await store.getUser(alice.id)).toEqual(alice);
        expect(await store.getUser(impostor.id)).toBeUndefined();
        expect(await store.findUserByName("alice")).toEqual(alice);
        expect(await store.listUsers()).toHaveLength(1);
      });

      it("refuses a user id taken and changes nothing", async () => {
        await store.createUser(alice);
        const error = await rejection(store.createUser(userRecord({ username: "someone" })));
        expect(error).toBeInstanceOf(StoreConflictError);
        expect(error.message).toContain("id 'user-alice'");
        expect(await store.findUserByName("someone")).toBeUndefined();
        expect(await store.listUsers()).toEqual([alice]);
      });

      it("updates only the patched fields and the update time", async () => {
        await store.createUser(alice);
        const updated = await store.updateUser(alice.id, { disabled: true }, 5_000);
        const expected = { ...alice, disabled: true, updatedAt: 5_000 };
        expect(updated).toEqual(expected);
        expect(await store.getUser(alice.id)).toEqual(expected);

        const renamed = await store.updateUser(
          alice.id,
          { displayName: null, passwordHash: "scrypt$new", disabled: false },
          6_000,
        );
        expect(renamed).toEqual({
          ...alice,
          displayName: null,
          passwordHash: "scrypt$new",
          updatedAt: 6_000,
        });
        expect(await store.getUser(alice.id)).toEqual(renamed);
      });

      it("updates nobody when the id is unknown", async () => {
        await store.createUser(alice);
        expect(await store.updateUser("nobody", { disabled: true }, 5_000)).toBeUndefined();
        expect(await store.getUser("nobody")).toBeUndefined();
        expect(await store.listUsers()).toEqual([alice]);
      });

      it("lists every user by username", async () => {
        expect(await store.listUsers()).toEqual([]);
        const carol = userRecord({ id: "user-carol", username: "carol" });
        await store.createUser(carol);
        await store.createUser(alice);
        await store.createUser(bob);
        expect(await store.listUsers()).toEqual([alice, bob, carol]);
      });
    });

    describe("API keys", () => {
      const laptop = apiKeyRecord();
      beforeEach(async () => {
        await store.createUser(alice);
        await store.createUser(bob);
      });

      it("gives back a created key by id and by hash", async () => {
        await store.createApiKey(laptop);
        expect(await store.getApiKey(laptop.id)).toEqual(laptop);
        expect(await store.findApiKeyByHash(laptop.hash)).toEqual(laptop);
        expect(await store.getApiKey("key-unknown")).toBeUndefined();
        expect(await store.findApiKeyByHash("b".repeat(64))).toBeUndefined();
      });

      it("keeps keys without scopes or expiry, and ones already used or revoked", async () => {
        const bare = apiKeyRecord({
          id: "key-bare",
          name: "bare",
          hash: "c".repeat(64),
          scopes: [],
          expiresAt: null,
        });
        const old = apiKeyRecord({
          id: "key-old",
          name: "old",
          hash: "d".repeat(64),
          lastUsedAt: 3_000,
          revokedAt: 4_000,
        });
        await store.createApiKey(bare);
        await store.createApiKey(old);
        expect(await store.getApiKey(bare.id)).toEqual(bare);
        expect(await store.findApiKeyByHash(old.hash)).toEqual(old);
      });

      it("lists keys of one owner or of everyone, newest first", async () => {
        const first = apiKeyRecord({
          id: "key-a1",
          name: "one",
          hash: "1".repeat(64),
          createdAt: 1,
        });
        const third = apiKeyRecord({
          id: "key-a3",
          name: "three",
          hash: "3".repeat(64),
          createdAt: 3,
        });
        const bobs = apiKeyRecord({
          id: "key-b2",
          name: "one",
          ownerId: bob.id,
          hash: "2".repeat(64),
          createdAt: 2,
        });
        await store.createApiKey(first);
        await store.createApiKey(third);
        await store.createApiKey(bobs);
        expect(await store.listApiKeys()).toEqual([third, bobs, first]);
        expect(await store.listApiKeys(alice.id)).toEqual([third, first]);
        expect(await store.listApiKeys(bob.id)).toEqual([bobs]);
        expect(await store.listApiKeys("nobody")).toEqual([]);
      });

      it("lists keys created in the same millisecond by id, highest first", async () => {
        const x = apiKeyRecord({ id: "key-x", name: "x", hash: "e".repeat(64), createdAt: 7 });
        const y = apiKeyRecord({ id: "key-y", name: "y", hash: "f".repeat(64), createdAt: 7 });
        await store.createApiKey(x);
        await store.createApiKey(y);
        expect((await store.listApiKeys()).map((key) => key.id)).toEqual(["key-y", "key-x"]);
      });

      it("refuses a second key of the same name for one owner and changes nothing", async () => {
        await store.createApiKey(laptop);
        const again = apiKeyRecord({ id: "key-2", hash: "b".repeat(64), scopes: ["admin"] });
        const error = await rejection(store.createApiKey(again));
        expect(error).toBeInstanceOf(StoreConflictError);
        expect(error.message).toContain("User 'user-alice' already has an API key named 'laptop'");
        expect(await store.getApiKey(again.id)).toBeUndefined();
        expect(await store.findApiKeyByHash(again.hash)).toBeUndefined();
        expect(await store.listApiKeys()).toEqual([laptop]);
      });

      it("allows the same key name for another owner", async () => {
        await store.createApiKey(laptop);
        const bobsLaptop = apiKeyRecord({ id: "key-2", ownerId: bob.id, hash: "b".repeat(64) });
        await store.createApiKey(bobsLaptop);
        expect(await store.listApiKeys(bob.id)).toEqual([bobsLaptop]);
        expect(await store.listApiKeys(alice.id)).toEqual([laptop]);
      });

      it("refuses a key whose hash exists and changes nothing", async () => {
        await store.createApiKey(laptop);
        const copy = apiKeyRecord({ id: "key-2", name: "desktop" });
        const error = await rejection(store.createApiKey(copy));
        expect(error).toBeInstanceOf(StoreConflictError);
        expect(error.message).toContain("same hash");
        expect(error.message).not.toContain(laptop.hash);
        expect(await store.getApiKey(copy.id)).toBeUndefined();
        expect(await store.findApiKeyByHash(laptop.hash)).toEqual(laptop);
      });

      it("refuses a key id that exists and changes nothing", async () => {
        await store.createApiKey(laptop);
        const clash = apiKeyRecord({ name: "desktop", hash: "b".repeat(64) });
        const error = await rejection(store.createApiKey(clash));
        expect(error).toBeInstanceOf(StoreConflictError);
        expect(error.message).toContain("id 'key-1'");
        expect(await store.getApiKey(laptop.id)).toEqual(laptop);
        expect(await store.findApiKeyByHash(clash.hash)).toBeUndefined();
      });

      it("refuses a key whose owner is not a user", async () => {
        const orphan = apiKeyRecord({ ownerId: "nobody" });
        const error = await rejection(store.createApiKey(orphan));
        expect(error).toBeInstanceOf(BerthError);
        expect((error as BerthError).code).toBe("ERR_INVALID_PARAMS");
        expect(error.message).toContain("'nobody' is not the id of any user");
        expect(await store.listApiKeys()).toEqual([]);
      });

      it("revokes a key once", async () => {
        await store.createApiKey(laptop);
        expect(await store.revokeApiKey(laptop.id, 5_000)).toBe(true);
        expect(await store.findApiKeyByHash(laptop.hash)).toEqual({ ...laptop, revokedAt: 5_000 });
        expect(await store.revokeApiKey(laptop.id, 6_000)).toBe(false);
        expect((await store.getApiKey(laptop.id))?.revokedAt).toBe(5_000);
        expect(await store.revokeApiKey("key-unknown", 6_000)).toBe(false);
      });

      it("records the latest use of a key", async () => {
        await store.createApiKey(laptop);
        await store.touchApiKey(laptop.id, 5_000);
        expect(await store.getApiKey(laptop.id)).toEqual({ ...laptop, lastUsedAt: 5_000 });
        // A request that started earlier but finished later does not move it back.
        await store.touchApiKey(laptop.id, 4_000);
        expect((await store.getApiKey(laptop.id))?.lastUsedAt).toBe(5_000);
        await store.touchApiKey(laptop.id, 6_000);
        expect((await store.findApiKeyByHash(laptop.hash))?.lastUsedAt).toBe(6_000);
        await expect(store.touchApiKey("key-unknown", 6_000)).resolves.toBeUndefined();
        expect(await store.getApiKey("key-unknown")).toBeUndefined();
      });
    });

    describe("records are copies", () => {
      it("ignores changes to a user after it was created or returned", async () => {
        const input = userRecord();
        await store.createUser(input);
        input.displayName = "changed after create";

        const got = await store.getUser(alice.id);
        got!.disabled = true;
        got!.username = "mallory";
        const found = await store.findUserByName("alice");
        found!.passwordHash = null;
        const [listed] = await store.listUsers();
        listed!.displayName = "changed in a list";
        const updated = await store.updateUser(alice.id, {}, 1_000);
        updated!.disabled = true;

        expect(await store.getUser(alice.id)).toEqual(alice);
        expect(await store.findUserByName("mallory")).toBeUndefined();
      });

      it("ignores changes to a key after it was created or returned", async () => {
        await store.createUser(alice);
        const input = apiKeyRecord();
        await store.createApiKey(input);
        input.scopes.push("admin");
        input.name = "changed after create";

        const got = await store.getApiKey("key-1");
        got!.scopes.push("admin");
        got!.revokedAt = 1;
        const found = await store.findApiKeyByHash(input.hash);
        found!.scopes[0] = "admin";
        const [listed] = await store.listApiKeys();
        listed!.scopes.length = 0;
        listed!.expiresAt = null;

        expect(await store.getApiKey("key-1")).toEqual(apiKeyRecord());
        expect(await store.revokeApiKey("key-1", 5_000)).toBe(true);
      });
    });
  });
}
