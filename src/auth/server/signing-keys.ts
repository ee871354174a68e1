import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import type { OAuthStore, SigningKeyRecord } from "../../store/types.js";

/** The algorithm of keys Berth generates: ECDSA P-256, small tokens and fast verification. */
export const SIGNING_ALG = "ES256";

/** How often an unknown `kid` may trigger a reload from the store (another replica rotated). */
const RELOAD_INTERVAL_MS = 10_000;

/** How often the signer is read again from the store. */
const SIGNER_RELOAD_MS = 60_000;

type KeyLike = Awaited<ReturnType<typeof importJWK>>;

interface LoadedKey {
  record: SigningKeyRecord;
  publicKey: KeyLike;
}

/**
 * The keys that sign access tokens. The first start generates one and stores it; later
 * starts (and other replicas) load it. {@link rotate} makes a new key the signer; the old
 * one stays published (in the JWKS) until every token it signed has expired.
 *
 * @example
 * const keys = new SigningKeys(store, 3_600_000);
 * const { kid, privateKey } = await keys.signer();
 */
export class SigningKeys {
  readonly #store: OAuthStore;
  readonly #tokenLifetimeMs: number;
  #loaded: LoadedKey[] = [];
  #signer: { kid: string; privateKey: KeyLike } | undefined;
  #loading: Promise<void> | undefined;
  #lastReload = 0;
  #creating: Promise<string> | undefined;

  /** `tokenLifetimeMs` is the longest an access token lives: how long retired keys stay published. */
  constructor(store: OAuthStore, tokenLifetimeMs: number) {
    this.#store = store;
    this.#tokenLifetimeMs = tokenLifetimeMs;
  }

  /** The current signing key, generating and storing one if there is none. */
  async signer(): Promise<{ kid: string; privateKey: KeyLike }> {
    // Reloaded now and then, so a rotation on another replica reaches this one.
    if (!this.#signer || Date.now() - this.#lastReload >= SIGNER_RELOAD_MS) await this.#load();
    if (!this.#signer) {
      // Concurrent first requests create one key between them.
      this.#creating ??= this.rotate().finally(() => {
        this.#creating = undefined;
      });
      await this.#creating;
    }
    return this.#signer!;
  }

  /** The public key with this `kid`, reloading from the store (rate-limited) if unknown. */
  async publicKey(kid: string | undefined): Promise<KeyLike | undefined> {
    if (this.#loaded.length === 0) await this.#load();
    let found = this.#loaded.find((key) => key.record.kid === kid);
    if (!found && kid && Date.now() - this.#lastReload >= RELOAD_INTERVAL_MS) {
      await this.#load();
      found = this.#loaded.find((key) => key.record.kid === kid);
    }
    return found?.publicKey;
  }

  /** The published key set (RFC 7517): the signer and keys retired too recently to drop. */
  async jwks(): Promise<{ keys: JWK[] }> {
    if (this.#loaded.length === 0) await this.signer();
    const now = Date.now();
    return {
      keys: this.#loaded
        .filter((key) => this.#published(key.record, now))
        .map((key) => ({
          ...(JSON.parse(key.record.publicJwk) as JWK),
          kid: key.record.kid,
          alg: key.record.alg,
          use: "sig",
        })),
    };
  }

  /** Generate a new signing key, store it and retire the previous ones; returns its kid. */
  async rotate(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const now = Date.now();
    const previous = this.#loaded.filter((key) => key.record.retiredAt === null);
    await this.#store.createSigningKey({
      kid,
      alg: SIGNING_ALG,
      privateJwk: JSON.stringify(await exportJWK(privateKey)),
      publicJwk: JSON.stringify(publicJwk),
      createdAt: now,
      retiredAt: null,
    });
    for (const key of previous) await this.#store.retireSigningKey(key.record.kid, now);
    await this.#load();
    return kid;
  }

  #published(record: SigningKeyRecord, now: number): boolean {
    return record.retiredAt === null || record.retiredAt + this.#tokenLifetimeMs > now;
  }

  async #load(): Promise<void> {
    // One load at a time: concurrent first requests share it.
    this.#loading ??= (async () => {
      try {
        const records = await this.#store.listSigningKeys();
        const now = Date.now();
        const loaded: LoadedKey[] = [];
        for (const record of records) {
          if (!this.#published(record, now)) continue;
          loaded.push({
            record,
            publicKey: await importJWK(JSON.parse(record.publicJwk), record.alg),
          });
        }
        // Newest first: the first key still signing is the signer.
        const active = records.find((record) => record.retiredAt === null);
        this.#signer = active && {
          kid: active.kid,
          privateKey: await importJWK(JSON.parse(active.privateJwk), active.alg),
        };
        this.#loaded = loaded;
        this.#lastReload = Date.now();
      } finally {
        this.#loading = undefined;
      }
    })();
    await this.#loading;
  }
}
