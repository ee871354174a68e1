import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BerthError } from "../../src/errors.js";
import {
  type ApiKeyRecord,
  type AuthorizationCodeRecord,
  type AuthStore,
  type ConsentRecord,
  type GrantRecord,
  type OAuthClientRecord,
  type RefreshTokenRecord,
  type SigningKeyRecord,
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

/** A registered public client with sensible defaults. */
export function clientRecord(overrides: Partial<OAuthClientRecord> = {}): OAuthClientRecord {
  return {
    id: "client-inspector",
    secretHash: null,
    metadata: {
      client_name: "MCP Inspector",
      redirect_uris: ["http://127.0.0.1:6274/oauth/callback"],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
    },
    createdAt: 1_000,
    ...overrides,
  };
}

/** A grant of {@link userRecord}'s user to {@link clientRecord}'s client. */
export function grantRecord(overrides: Partial<GrantRecord> = {}): GrantRecord {
  return {
    id: "grant-1",
    userId: "user-alice",
    clientId: "client-inspector",
    scopes: ["tools:read", "tools:call"],
    resource: "https://mcp.example.com/mcp",
    createdAt: 2_000,
    revokedAt: null,
    ...overrides,
  };
}

/** The authorization code that starts {@link grantRecord}'s grant. */
export function codeRecord(
  overrides: Partial<AuthorizationCodeRecord> = {},
): AuthorizationCodeRecord {
  return {
    hash: "c".repeat(64),
    grantId: "grant-1",
    redirectUri: "http://127.0.0.1:6274/oauth/callback",
    codeChallenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    createdAt: 2_000,
    expiresAt: 62_000,
    usedAt: null,
    ...overrides,
  };
}

/** A refresh token of {@link grantRecord}'s grant. */
export function refreshTokenRecord(
  overrides: Partial<RefreshTokenRecord> = {},
): RefreshTokenRecord {
  return {
    hash: "r".repeat(64),
    grantId: "grant-1",
    createdAt: 3_000,
    expiresAt: 1_000_000,
    rotatedAt: null,
    ...overrides,
  };
}

/** The resource of {@link consentRecord}. */
const R = "https://mcp.example.com/mcp";

/** What {@link userRecord}'s user allowed {@link clientRecord}'s client. */
export function consentRecord(overrides: Partial<ConsentRecord> = {}): ConsentRecord {
  return {
    userId: "user-alice",
    clientId: "client-inspector",
    resource: "https://mcp.example.com/mcp",
    scopes: ["tools:read"],
    grantedAt: 2_000,
    ...overrides,
  };
}

/** An ES256 signing key (the JWKs are well-formed JSON, not a working key pair). */
export function signingKeyRecord(overrides: Partial<SigningKeyRecord> = {}): SigningKeyRecord {
  const kid = overrides.kid ?? "kid-1";
  const publicJwk = { kty: "EC", crv: "P-256", x: "x-of-" + kid, y: "y-of-" + kid, kid };
  return {
    kid,
    alg: "ES256",
    privateJwk: JSON.stringify({ ...publicJwk, d: "d-of-" + kid }),
    publicJwk: JSON.stringify(publicJwk),
    createdAt: 1_000,
    retiredAt: null,
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
      it("changes its version on every write through it, and not on reads", async () => {
        const start = store.version();
        await store.listUsers();
        await store.findUserByName("alice");
        expect(store.version()).toBe(start);
        await store.createUser(alice);
        const afterUser = store.version();
        expect(afterUser).not.toBe(start);
        await store.createApiKey(apiKeyRecord());
        expect(store.version()).not.toBe(afterUser);
        const afterKey = store.version();
        await store.revokeApiKey("key-1", 5_000);
        expect(store.version()).not.toBe(afterKey);
      });

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

    describe("OAuth clients", () => {
      it("gives back a registered client with its metadata", async () => {
        const inspector = clientRecord();
        const confidential = clientRecord({
          id: "client-backend",
          secretHash: "5".repeat(64),
          metadata: { client_name: "Backend", scope: "tools:read", nested: { a: [1, null] } },
        });
        await store.createClient(inspector);
        await store.createClient(confidential);
        expect(await store.getClient(inspector.id)).toEqual(inspector);
        expect(await store.getClient(confidential.id)).toEqual(confidential);
        expect(await store.getClient("client-unknown")).toBeUndefined();
      });

      it("refuses a client id that exists and changes nothing", async () => {
        await store.createClient(clientRecord());
        const clash = clientRecord({ secretHash: "5".repeat(64), metadata: { client_name: "X" } });
        const error = await rejection(store.createClient(clash));
        expect(error).toBeInstanceOf(StoreConflictError);
        expect(error.message).toContain("OAuth client with id 'client-inspector'");
        expect(await store.getClient(clash.id)).toEqual(clientRecord());
      });
    });

    describe("grants and authorization codes", () => {
      beforeEach(async () => {
        await store.createUser(alice);
        await store.createUser(bob);
      });

      it("stores a grant together with the code that starts it", async () => {
        await store.createGrant(grantRecord(), codeRecord());
        expect(await store.getGrant("grant-1")).toEqual(grantRecord());
        expect(await store.findAuthorizationCode(codeRecord().hash)).toEqual(codeRecord());
        expect(await store.getGrant("grant-unknown")).toBeUndefined();
        expect(await store.findAuthorizationCode("0".repeat(64))).toBeUndefined();
      });

      it("keeps grants for clients that are not registered here", async () => {
        // A client can be known by the URL of its metadata document instead.
        const grant = grantRecord({ clientId: "https://app.example.com/oauth/client.json" });
        await store.createGrant(grant, codeRecord());
        expect(await store.getGrant(grant.id)).toEqual(grant);
      });

      it("refuses a grant id that exists, storing neither it nor its code", async () => {
        await store.createGrant(grantRecord(), codeRecord());
        const clash = grantRecord({ userId: bob.id, scopes: ["admin"] });
        const code = codeRecord({ hash: "d".repeat(64) });
        const error = await rejection(store.createGrant(clash, code));
        expect(error).toBeInstanceOf(StoreConflictError);
        expect(error.message).toContain("grant with id 'grant-1'");
        expect(await store.getGrant("grant-1")).toEqual(grantRecord());
        expect(await store.findAuthorizationCode(code.hash)).toBeUndefined();
      });

      it("refuses a grant whose user is not a user, storing neither it nor its code", async () => {
        const orphan = grantRecord({ userId: "nobody" });
        const error = await rejection(store.createGrant(orphan, codeRecord()));
        expect(error).toBeInstanceOf(BerthError);
        expect((error as BerthError).code).toBe("ERR_INVALID_PARAMS");
        expect(error.message).toContain("grant 'grant-1': its userId 'nobody' is not the id");
        expect(await store.getGrant(orphan.id)).toBeUndefined();
        expect(await store.findAuthorizationCode(codeRecord().hash)).toBeUndefined();
      });

      it("refuses a code whose hash exists, storing neither the grant nor the code", async () => {
        await store.createGrant(grantRecord(), codeRecord());
        const second = grantRecord({ id: "grant-2", userId: bob.id });
        const copy = codeRecord({ grantId: second.id, redirectUri: "https://evil.example/cb" });
        const error = await rejection(store.createGrant(second, copy));
        expect(error).toBeInstanceOf(StoreConflictError);
        expect(error.message).toContain("authorization code with the same hash");
        expect(error.message).not.toContain(copy.hash);
        expect(await store.getGrant(second.id)).toBeUndefined();
        expect(await store.findAuthorizationCode(copy.hash)).toEqual(codeRecord());
      });

      it("refuses a code that belongs to another grant, storing neither", async () => {
        await store.createGrant(grantRecord(), codeRecord());
        const second = grantRecord({ id: "grant-2" });
        const code = codeRecord({ hash: "d".repeat(64) });
        const error = await rejection(store.createGrant(second, code));
        expect((error as BerthError).code).toBe("ERR_INVALID_PARAMS");
        expect(error.message).toContain("Cannot add grant 'grant-2'");
        expect(error.message).toContain("has grantId 'grant-1'");
        expect(await store.getGrant(second.id)).toBeUndefined();
        expect(await store.findAuthorizationCode(code.hash)).toBeUndefined();
      });

      it("revokes a grant once", async () => {
        await store.createGrant(grantRecord(), codeRecord());
        expect(await store.revokeGrant("grant-1", 5_000)).toBe(true);
        expect(await store.getGrant("grant-1")).toEqual(grantRecord({ revokedAt: 5_000 }));
        expect(await store.revokeGrant("grant-1", 6_000)).toBe(false);
        expect((await store.getGrant("grant-1"))?.revokedAt).toBe(5_000);
        expect(await store.revokeGrant("grant-unknown", 6_000)).toBe(false);
      });

      it("uses a code once, returning it as it was with its grant", async () => {
        await store.createGrant(grantRecord(), codeRecord());
        expect(await store.useAuthorizationCode(codeRecord().hash, 5_000)).toEqual({
          code: codeRecord(),
          grant: grantRecord(),
        });
        expect(await store.findAuthorizationCode(codeRecord().hash)).toEqual(
          codeRecord({ usedAt: 5_000 }),
        );
      });

      it("reports a replayed code, keeping the time of its first use", async () => {
        await store.createGrant(grantRecord(), codeRecord());
        await store.useAuthorizationCode(codeRecord().hash, 5_000);
        const replay = await store.useAuthorizationCode(codeRecord().hash, 6_000);
        expect(replay?.code).toEqual(codeRecord({ usedAt: 5_000 }));
        expect(replay?.grant).toEqual(grantRecord());
        expect((await store.findAuthorizationCode(codeRecord().hash))?.usedAt).toBe(5_000);
      });

      it("gives nothing for an unknown code and stores nothing", async () => {
        await store.createGrant(grantRecord(), codeRecord());
        expect(await store.useAuthorizationCode("0".repeat(64), 5_000)).toBeUndefined();
        expect(await store.findAuthorizationCode("0".repeat(64))).toBeUndefined();
        expect(await store.findAuthorizationCode(codeRecord().hash)).toEqual(codeRecord());
      });

      it("leaves expiry and revocation to the caller when a code is used", async () => {
        await store.createGrant(grantRecord(), codeRecord());
        await store.revokeGrant("grant-1", 70_000);
        const late = await store.useAuthorizationCode(codeRecord().hash, 80_000);
        expect(late).toEqual({ code: codeRecord(), grant: grantRecord({ revokedAt: 70_000 }) });
      });
    });

    describe("refresh tokens", () => {
      const grace = 2_000;
      const token = refreshTokenRecord();
      const next = refreshTokenRecord({ hash: "s".repeat(64), createdAt: 10_000 });
      beforeEach(async () => {
        await store.createUser(alice);
        await store.createGrant(grantRecord(), codeRecord());
      });

      it("gives back a stored refresh token by hash", async () => {
        await store.createRefreshToken(token);
        expect(await store.findRefreshToken(token.hash)).toEqual(token);
        expect(await store.findRefreshToken(next.hash)).toBeUndefined();
      });

      it("refuses a refresh token whose grant does not exist", async () => {
        const orphan = refreshTokenRecord({ grantId: "grant-unknown" });
        const error = await rejection(store.createRefreshToken(orphan));
        expect((error as BerthError).code).toBe("ERR_INVALID_PARAMS");
        expect(error.message).toContain("grantId 'grant-unknown' is not the id of any grant");
        expect(await store.findRefreshToken(orphan.hash)).toBeUndefined();
      });

      it("refuses a refresh token whose hash exists and changes nothing", async () => {
        await store.createRefreshToken(token);
        const copy = refreshTokenRecord({ expiresAt: 9_999_999, rotatedAt: 4_000 });
        const error = await rejection(store.createRefreshToken(copy));
        expect(error).toBeInstanceOf(StoreConflictError);
        expect(error.message).toContain("refresh token with the same hash");
        expect(error.message).not.toContain(copy.hash);
        expect(await store.findRefreshToken(token.hash)).toEqual(token);
      });

      it("rotates a token on first use into its grant, whatever grant the successor names", async () => {
        await store.createRefreshToken(token);
        const elsewhere = { ...next, grantId: "grant-elsewhere" };
        expect(await store.rotateRefreshToken(token.hash, 10_000, grace, elsewhere)).toEqual({
          status: "rotated",
          grant: grantRecord(),
        });
        expect(await store.findRefreshToken(token.hash)).toEqual({ ...token, rotatedAt: 10_000 });
        expect(await store.findRefreshToken(next.hash)).toEqual(next);
      });

      it("rotates a repeat up to the end of the grace window, keeping the first use's time", async () => {
        await store.createRefreshToken(token);
        await store.rotateRefreshToken(token.hash, 10_000, grace, next);
        const again = refreshTokenRecord({ hash: "t".repeat(64), createdAt: 12_000 });
        expect(await store.rotateRefreshToken(token.hash, 10_000 + grace, grace, again)).toEqual({
          status: "rotated",
          grant: grantRecord(),
        });
        expect((await store.findRefreshToken(token.hash))?.rotatedAt).toBe(10_000);
        expect(await store.findRefreshToken(next.hash)).toEqual(next);
        expect(await store.findRefreshToken(again.hash)).toEqual(again);
        expect((await store.getGrant("grant-1"))?.revokedAt).toBeNull();
      });

      it("revokes the grant when a token is reused after the grace window", async () => {
        await store.createRefreshToken(token);
        await store.rotateRefreshToken(token.hash, 10_000, grace, next);
        const stolen = refreshTokenRecord({ hash: "t".repeat(64), createdAt: 12_001 });
        const at = 10_000 + grace + 1;
        expect(await store.rotateRefreshToken(token.hash, at, grace, stolen)).toEqual({
          status: "reused",
          grant: grantRecord({ revokedAt: at }),
        });
        expect(await store.getGrant("grant-1")).toEqual(grantRecord({ revokedAt: at }));
        expect(await store.findRefreshToken(stolen.hash)).toBeUndefined();
        expect((await store.findRefreshToken(token.hash))?.rotatedAt).toBe(10_000);
        // The successor the first use issued ends with its grant.
        const after = refreshTokenRecord({ hash: "u".repeat(64) });
        expect(await store.rotateRefreshToken(next.hash, at + 1, grace, after)).toEqual({
          status: "invalid",
        });
        expect(await store.findRefreshToken(after.hash)).toBeUndefined();
      });

      it("detects a chain forked within the grace window when the other chain is used", async () => {
        await store.createRefreshToken(token);
        await store.rotateRefreshToken(token.hash, 10_000, grace, next);
        const fork = refreshTokenRecord({ hash: "t".repeat(64), createdAt: 10_001 });
        expect((await store.rotateRefreshToken(token.hash, 10_001, grace, fork)).status).toBe(
          "rotated",
        );
        // The legitimate holder moves on: the fork is retired by that first use.
        const later = refreshTokenRecord({ hash: "u".repeat(64), createdAt: 50_000 });
        expect((await store.rotateRefreshToken(next.hash, 50_000, grace, later)).status).toBe(
          "rotated",
        );
        expect((await store.findRefreshToken(fork.hash))?.rotatedAt).toBe(0);
        const thief = refreshTokenRecord({ hash: "v".repeat(64), createdAt: 50_001 });
        expect(await store.rotateRefreshToken(fork.hash, 50_001, grace, thief)).toEqual({
          status: "reused",
          grant: grantRecord({ revokedAt: 50_001 }),
        });
        expect(await store.findRefreshToken(thief.hash)).toBeUndefined();
      });

      it("treats any repeat as reuse when there is no grace window", async () => {
        await store.createRefreshToken(token);
        await store.rotateRefreshToken(token.hash, 10_000, 0, next);
        const again = refreshTokenRecord({ hash: "t".repeat(64) });
        expect((await store.rotateRefreshToken(token.hash, 10_001, 0, again)).status).toBe(
          "reused",
        );
      });

      it("refuses an unknown token, storing nothing", async () => {
        await store.createRefreshToken(token);
        expect(await store.rotateRefreshToken("0".repeat(64), 10_000, grace, next)).toEqual({
          status: "invalid",
        });
        expect(await store.findRefreshToken(next.hash)).toBeUndefined();
        expect(await store.findRefreshToken(token.hash)).toEqual(token);
      });

      it("refuses a token from the moment it expires, storing nothing", async () => {
        await store.createRefreshToken(token);
        for (const at of [token.expiresAt, token.expiresAt + 1]) {
          expect(await store.rotateRefreshToken(token.hash, at, grace, next)).toEqual({
            status: "invalid",
          });
        }
        expect(await store.findRefreshToken(token.hash)).toEqual(token);
        expect(await store.findRefreshToken(next.hash)).toBeUndefined();
        const justInTime = await store.rotateRefreshToken(token.hash, token.expiresAt - 1, 0, next);
        expect(justInTime.status).toBe("rotated");
      });

      it("refuses a token whose grant is revoked, changing nothing", async () => {
        await store.createRefreshToken(token);
        await store.revokeGrant("grant-1", 5_000);
        expect(await store.rotateRefreshToken(token.hash, 10_000, grace, next)).toEqual({
          status: "invalid",
        });
        expect(await store.findRefreshToken(token.hash)).toEqual(token);
        expect(await store.findRefreshToken(next.hash)).toBeUndefined();
        expect((await store.getGrant("grant-1"))?.revokedAt).toBe(5_000);
      });

      it("refuses a successor whose hash exists and leaves the token unused", async () => {
        const other = refreshTokenRecord({ hash: "o".repeat(64), expiresAt: 7_000 });
        await store.createRefreshToken(token);
        await store.createRefreshToken(other);
        const clash = { ...next, hash: other.hash };
        const error = await rejection(store.rotateRefreshToken(token.hash, 10_000, grace, clash));
        expect(error).toBeInstanceOf(StoreConflictError);
        expect(error.message).toContain("refresh token with the same hash");
        expect(await store.findRefreshToken(token.hash)).toEqual(token);
        expect(await store.findRefreshToken(other.hash)).toEqual(other);
        // Still a first use afterwards, not a reuse.
        expect((await store.rotateRefreshToken(token.hash, 20_000, 0, next)).status).toBe(
          "rotated",
        );
      });
    });

    describe("consents", () => {
      beforeEach(async () => {
        await store.createUser(alice);
        await store.createUser(bob);
      });

      it("gives back what a user allowed a client, per user and client", async () => {
        const bobs = consentRecord({ userId: bob.id, scopes: ["tools:call"] });
        const other = consentRecord({ clientId: "client-other", scopes: [] });
        await store.saveConsent(consentRecord());
        await store.saveConsent(bobs);
        await store.saveConsent(other);
        expect(await store.getConsent(alice.id, "client-inspector", R)).toEqual(consentRecord());
        expect(await store.getConsent(bob.id, "client-inspector", R)).toEqual(bobs);
        expect(await store.getConsent(alice.id, "client-other", R)).toEqual(other);
        expect(await store.getConsent(bob.id, "client-other", R)).toBeUndefined();
      });

      it("keeps consents for different resources apart", async () => {
        const elsewhere = consentRecord({ resource: "https://mcp.example.com/files/mcp" });
        await store.saveConsent(consentRecord());
        expect(
          await store.getConsent(alice.id, "client-inspector", elsewhere.resource),
        ).toBeUndefined();
        await store.saveConsent({ ...elsewhere, scopes: ["files:read"] });
        expect(await store.getConsent(alice.id, "client-inspector", R)).toEqual(consentRecord());
        expect(
          (await store.getConsent(alice.id, "client-inspector", elsewhere.resource))?.scopes,
        ).toEqual(["files:read"]);
      });

      it("replaces what a user allowed a client", async () => {
        await store.saveConsent(consentRecord());
        const wider = consentRecord({ scopes: ["tools:read", "tools:call"], grantedAt: 9_000 });
        await store.saveConsent(wider);
        expect(await store.getConsent(alice.id, "client-inspector", R)).toEqual(wider);
        const narrower = consentRecord({ scopes: [], grantedAt: 10_000 });
        await store.saveConsent(narrower);
        expect(await store.getConsent(alice.id, "client-inspector", R)).toEqual(narrower);
      });

      it("refuses a consent of a user that does not exist", async () => {
        const orphan = consentRecord({ userId: "nobody" });
        const error = await rejection(store.saveConsent(orphan));
        expect((error as BerthError).code).toBe("ERR_INVALID_PARAMS");
        expect(error.message).toContain(
          "consent for client 'client-inspector': its userId 'nobody' is not the id of any user",
        );
        expect(await store.getConsent("nobody", "client-inspector", R)).toBeUndefined();
      });
    });

    describe("signing keys", () => {
      it("lists signing keys newest first, by kid highest first within a millisecond", async () => {
        const oldest = signingKeyRecord({ kid: "kid-z", createdAt: 1_000, retiredAt: 2_000 });
        const a = signingKeyRecord({ kid: "kid-a", createdAt: 3_000 });
        const b = signingKeyRecord({ kid: "kid-b", createdAt: 3_000 });
        const middle = signingKeyRecord({ kid: "kid-m", createdAt: 2_000, alg: "EdDSA" });
        expect(await store.listSigningKeys()).toEqual([]);
        for (const key of [a, oldest, b, middle]) await store.createSigningKey(key);
        expect(await store.listSigningKeys()).toEqual([b, a, middle, oldest]);
      });

      it("refuses a kid that exists and changes nothing", async () => {
        await store.createSigningKey(signingKeyRecord());
        const clash = signingKeyRecord({ alg: "RS256", createdAt: 5_000 });
        const error = await rejection(store.createSigningKey(clash));
        expect(error).toBeInstanceOf(StoreConflictError);
        expect(error.message).toContain("signing key with kid 'kid-1'");
        expect(await store.listSigningKeys()).toEqual([signingKeyRecord()]);
      });

      it("refuses a key whose JWKs are not JSON", async () => {
        for (const broken of [{ privateJwk: "{not json" }, { publicJwk: "" }]) {
          const error = await rejection(store.createSigningKey(signingKeyRecord(broken)));
          expect((error as BerthError).code).toBe("ERR_INVALID_PARAMS");
          expect(error.message).toContain("signing key 'kid-1'");
          expect(error.message).toContain("JSON-serialised JWKs");
        }
        expect(await store.listSigningKeys()).toEqual([]);
      });

      it("retires a key once", async () => {
        await store.createSigningKey(signingKeyRecord());
        expect(await store.retireSigningKey("kid-1", 5_000)).toBe(true);
        expect(await store.listSigningKeys()).toEqual([signingKeyRecord({ retiredAt: 5_000 })]);
        expect(await store.retireSigningKey("kid-1", 6_000)).toBe(false);
        expect((await store.listSigningKeys())[0]?.retiredAt).toBe(5_000);
        expect(await store.retireSigningKey("kid-unknown", 6_000)).toBe(false);
      });
    });

    describe("secrets", () => {
      it("keeps the first value stored under a name", async () => {
        expect(await store.ensureSecret("cookie", "first")).toBe("first");
        expect(await store.ensureSecret("cookie", "second")).toBe("first");
        expect(await store.ensureSecret("csrf", "other")).toBe("other");
        expect(await store.ensureSecret("cookie", "third")).toBe("first");
      });
    });

    describe("purging", () => {
      it("deletes what expired or was retired before the time, and nothing else", async () => {
        await store.createUser(alice);
        await store.createGrant(grantRecord(), codeRecord({ expiresAt: 4_999 }));
        await store.createGrant(
          grantRecord({ id: "grant-2" }),
          codeRecord({ grantId: "grant-2", hash: "d".repeat(64), expiresAt: 5_000 }),
        );
        const expired = refreshTokenRecord({ hash: "1".repeat(64), expiresAt: 4_999 });
        const live = refreshTokenRecord({ hash: "2".repeat(64), expiresAt: 5_000 });
        await store.createRefreshToken(expired);
        await store.createRefreshToken(live);
        const retired = signingKeyRecord({ kid: "kid-old", retiredAt: 4_999 });
        const retiring = signingKeyRecord({ kid: "kid-retiring", retiredAt: 5_000 });
        const current = signingKeyRecord({ kid: "kid-current" });
        for (const key of [retired, retiring, current]) await store.createSigningKey(key);

        expect(await store.purgeExpired(5_000)).toBe(3);
        expect(await store.findAuthorizationCode(codeRecord().hash)).toBeUndefined();
        expect((await store.findAuthorizationCode("d".repeat(64)))?.expiresAt).toBe(5_000);
        expect(await store.findRefreshToken(expired.hash)).toBeUndefined();
        expect(await store.findRefreshToken(live.hash)).toEqual(live);
        expect((await store.listSigningKeys()).map((key) => key.kid).sort()).toEqual([
          "kid-current",
          "kid-retiring",
        ]);
        // Grants outlive their codes and tokens.
        expect(await store.getGrant("grant-1")).toEqual(grantRecord());
        expect(await store.purgeExpired(5_000)).toBe(0);
      });

      it("deletes registered clients that no grant names, once older than the time", async () => {
        await store.createUser(alice);
        const used = clientRecord({ id: "client-used", createdAt: 1_000 });
        const abandoned = clientRecord({ id: "client-abandoned", createdAt: 4_999 });
        const fresh = clientRecord({ id: "client-fresh", createdAt: 5_000 });
        const revoked = clientRecord({ id: "client-revoked", createdAt: 1_000 });
        for (const client of [used, abandoned, fresh, revoked]) await store.createClient(client);
        await store.createGrant(
          grantRecord({ clientId: "client-used" }),
          codeRecord({ expiresAt: 9_000 }),
        );
        await store.createGrant(
          grantRecord({ id: "grant-2", clientId: "client-revoked", revokedAt: 3_000 }),
          codeRecord({ grantId: "grant-2", hash: "d".repeat(64), expiresAt: 9_000 }),
        );

        expect(await store.purgeExpired(5_000)).toBe(0);
        expect(await store.purgeUnusedClients(5_000)).toBe(1);
        expect(await store.getClient("client-abandoned")).toBeUndefined();
        expect(await store.getClient("client-used")).toEqual(used);
        expect(await store.getClient("client-fresh")).toEqual(fresh);
        // A revoked grant still names its client: the client's history stays explainable.
        expect(await store.getClient("client-revoked")).toEqual(revoked);
        expect(await store.purgeUnusedClients(5_000)).toBe(0);
      });
    });

    describe("OAuth records are copies", () => {
      it("ignores changes to OAuth records after they were stored or returned", async () => {
        await store.createUser(alice);
        const client = clientRecord();
        await store.createClient(client);
        (client.metadata["redirect_uris"] as string[]).push("https://evil.example/cb");
        const gotClient = await store.getClient(client.id);
        (gotClient!.metadata["grant_types"] as string[]).length = 0;
        gotClient!.metadata["client_name"] = "changed";

        const grant = grantRecord();
        const code = codeRecord();
        await store.createGrant(grant, code);
        grant.scopes.push("admin");
        code.usedAt = 1;
        const gotGrant = await store.getGrant("grant-1");
        gotGrant!.scopes.push("admin");
        const foundCode = await store.findAuthorizationCode(code.hash);
        foundCode!.redirectUri = "https://evil.example/cb";
        const used = await store.useAuthorizationCode(code.hash, 5_000);
        used!.grant.scopes.push("admin");
        used!.code.usedAt = null;

        const token = refreshTokenRecord();
        await store.createRefreshToken(token);
        token.expiresAt = Number.MAX_SAFE_INTEGER;
        const foundToken = await store.findRefreshToken(token.hash);
        foundToken!.grantId = "grant-elsewhere";
        const next = refreshTokenRecord({ hash: "s".repeat(64) });
        const rotation = await store.rotateRefreshToken(refreshTokenRecord().hash, 6_000, 0, next);
        expect(rotation.status).toBe("rotated");
        if (rotation.status === "rotated") rotation.grant.scopes.push("admin");
        next.expiresAt = Number.MAX_SAFE_INTEGER;

        const consent = consentRecord();
        await store.saveConsent(consent);
        consent.scopes.push("admin");
        const gotConsent = await store.getConsent(alice.id, consent.clientId, R);
        gotConsent!.scopes.push("admin");

        const key = signingKeyRecord();
        await store.createSigningKey(key);
        key.retiredAt = 1;
        const [listed] = await store.listSigningKeys();
        listed!.retiredAt = 2;

        expect(await store.getClient(client.id)).toEqual(clientRecord());
        expect(await store.getGrant("grant-1")).toEqual(grantRecord());
        expect(await store.findAuthorizationCode(code.hash)).toEqual(codeRecord({ usedAt: 5_000 }));
        expect(await store.findRefreshToken(token.hash)).toEqual(
          refreshTokenRecord({ rotatedAt: 6_000 }),
        );
        expect(await store.findRefreshToken(next.hash)).toEqual(
          refreshTokenRecord({ hash: "s".repeat(64) }),
        );
        expect(await store.getConsent(alice.id, consent.clientId, R)).toEqual(consentRecord());
        expect(await store.listSigningKeys()).toEqual([signingKeyRecord()]);
      });
    });
  });
}
