import { lookup as dnsLookup } from "node:dns";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { setBounded } from "../bounded-map.js";
import { OAuthError } from "./oauth-error.js";
import { redirectUriProblem } from "./redirect-uris.js";

/** Options for fetching Client ID Metadata Documents. */
export interface ClientMetadataDocumentOptions {
  /**
   * Hosts whose documents may be fetched although they resolve to a private or loopback
   * address, and over plain http. For local testing only; empty by default.
   */
  allowHosts?: readonly string[];
  /** Certificate authorities to trust instead of the system ones, PEM (a local test server). */
  ca?: string | Buffer;
  /** Give up on a fetch after this long (default 5 s). */
  timeoutMs?: number;
  /** Largest document accepted (default 10 KiB). */
  maxBytes?: number;
  /** Keep a document this long when its response names no max-age (default 5 minutes). */
  cacheSeconds?: number;
}

/** A client described by its metadata document. */
export interface ClientMetadataDocument {
  clientId: string;
  clientName: string | undefined;
  clientUri: string | undefined;
  redirectUris: string[];
}

/** Longest a fetched document is trusted, whatever its Cache-Control says. */
const MAX_CACHE_SECONDS = 24 * 3600;
const CACHE_LIMIT = 1000;
/** How long a failed fetch is remembered. */
const FAILURE_CACHE_MS = 60_000;
/** Most documents fetched at once. */
const MAX_IN_FLIGHT = 32;

interface CacheEntry {
  document?: ClientMetadataDocument;
  error?: OAuthError;
  until: number;
}

const PRIVATE_RANGES = (() => {
  const list = new BlockList();
  for (const [net, bits] of [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["169.254.0.0", 16],
    ["172.16.0.0", 12],
    ["192.0.0.0", 24],
    ["192.168.0.0", 16],
    ["198.18.0.0", 15],
    ["224.0.0.0", 4],
    ["240.0.0.0", 4],
  ] as const)
    list.addSubnet(net, bits, "ipv4");
  for (const [net, bits] of [
    ["::", 127],
    ["fc00::", 7],
    ["fe80::", 10],
    ["ff00::", 8],
    ["64:ff9b::", 96],
  ] as const)
    list.addSubnet(net, bits, "ipv6");
  return list;
})();

/** True for loopback, private, link-local, multicast and other non-public addresses. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE_RANGES.check(mapped[1]!, "ipv4");
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE_RANGES.check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * Client ID Metadata Documents: a client whose `client_id` is an https URL publishes its
 * metadata there. Documents are fetched without following redirects, checked (the
 * `client_id` inside must equal the URL, redirect URIs must be acceptable), and cached.
 * Addresses that are not public are refused, checked on the address actually connected
 * to, so a DNS answer that changes between check and connect cannot reach the inside.
 */
export class ClientMetadataDocuments {
  readonly #allowHosts: ReadonlySet<string>;
  readonly #ca: string | Buffer | undefined;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #cacheSeconds: number;
  readonly #cache = new Map<string, CacheEntry>();
  readonly #inFlight = new Map<string, Promise<ClientMetadataDocument>>();

  constructor(options: ClientMetadataDocumentOptions = {}) {
    this.#allowHosts = new Set((options.allowHosts ?? []).map((host) => host.toLowerCase()));
    this.#ca = options.ca;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#maxBytes = options.maxBytes ?? 10 * 1024;
    this.#cacheSeconds = options.cacheSeconds ?? 300;
  }

  /** True when `clientId` has the shape of a metadata document URL. */
  static isDocumentUrl(clientId: string): boolean {
    return clientId.startsWith("https://") || clientId.startsWith("http://");
  }

  /** The validated document at `clientId`; {@link OAuthError} `invalid_client` if unusable. */
  async resolve(clientId: string): Promise<ClientMetadataDocument> {
    const cached = this.#cache.get(clientId);
    if (cached && cached.until > Date.now()) {
      if (cached.document) return cached.document;
      throw cached.error!;
    }
    // One fetch per URL at a time, however many requests name it.
    let pending = this.#inFlight.get(clientId);
    if (!pending) {
      if (this.#inFlight.size >= MAX_IN_FLIGHT)
        throw refuse(clientId, "too many client metadata documents are being fetched; try again");
      pending = this.#load(clientId).finally(() => this.#inFlight.delete(clientId));
      this.#inFlight.set(clientId, pending);
    }
    return pending;
  }

  async #load(clientId: string): Promise<ClientMetadataDocument> {
    try {
      return await this.#fetchAndValidate(clientId);
    } catch (error) {
      // Failures are remembered briefly, so a bad client_id cannot make Berth fetch on every request.
      this.#remember(clientId, {
        error: error as OAuthError,
        until: Date.now() + FAILURE_CACHE_MS,
      });
      throw error;
    }
  }

  #remember(clientId: string, entry: CacheEntry): void {
    setBounded(this.#cache, clientId, entry, CACHE_LIMIT);
  }

  async #fetchAndValidate(clientId: string): Promise<ClientMetadataDocument> {
    const url = this.#checkUrl(clientId);
    const { body, maxAge } = await this.#fetch(url);
    const document = this.#validate(clientId, body);
    const seconds = Math.min(maxAge ?? this.#cacheSeconds, MAX_CACHE_SECONDS);
    if (seconds > 0) this.#remember(clientId, { document, until: Date.now() + seconds * 1000 });
    return document;
  }

  #checkUrl(clientId: string): URL {
    let url: URL;
    try {
      url = new URL(clientId);
    } catch {
      throw refuse(clientId, "it is not a URL");
    }
    const allowed = this.#allowHosts.has(url.hostname.toLowerCase());
    if (url.protocol !== "https:" && !(allowed && url.protocol === "http:"))
      throw refuse(clientId, "a client ID metadata document must be served over https");
    if (url.pathname === "/" || url.pathname === "")
      throw refuse(clientId, "the URL must have a path");
    if (url.hash || clientId.includes("#"))
      throw refuse(clientId, "the URL must not have a fragment");
    if (url.username || url.password) throw refuse(clientId, "the URL must not carry credentials");
    if (/\/\.\.?(\/|$)/.test(url.pathname) || /\/\.\.?(\/|$)/.test(clientId.split("?")[0]!))
      throw refuse(clientId, "the URL must not contain . or .. segments");
    if (
      !allowed &&
      isIP(url.hostname.replace(/^\[|\]$/g, "")) &&
      isPrivateAddress(url.hostname.replace(/^\[|\]$/g, ""))
    )
      throw refuse(clientId, "the address is not public");
    return url;
  }

  #fetch(url: URL): Promise<{ body: string; maxAge: number | undefined }> {
    const allowed = this.#allowHosts.has(url.hostname.toLowerCase());
    // Checked on the addresses the connection will use, not a separate resolution.
    const lookup = ((hostname, options, callback) => {
      dnsLookup(hostname, options, (error, result, family) => {
        if (error) return callback(error, result as never, family);
        const addresses = Array.isArray(result) ? result.map((entry) => entry.address) : [result];
        if (!allowed && addresses.some((address) => isPrivateAddress(address)))
          return callback(new Error(`${hostname} resolves to a non-public address`), "", 0);
        callback(null, result as never, family);
      });
    }) as LookupFunction;
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: "GET",
          headers: { accept: "application/json" },
          lookup,
          ...(this.#ca ? { ca: this.#ca } : {}),
        },
        (res: IncomingMessage) => {
          if (res.statusCode !== 200) {
            res.resume();
            reject(refuse(url.href, `fetching it answered HTTP ${res.statusCode}`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > this.#maxBytes) {
              res.destroy();
              reject(refuse(url.href, `the document is larger than ${this.#maxBytes} bytes`));
              return;
            }
            chunks.push(chunk);
          });
          res.on("end", () =>
            resolve({
              body: Buffer.concat(chunks).toString("utf8"),
              maxAge: maxAgeOf(res.headers["cache-control"]),
            }),
          );
          res.on("error", () => reject(refuse(url.href, "it could not be fetched")));
        },
      );
      // A deadline for the whole fetch, not only for an idle socket: a slow drip ends too.
      const deadline = setTimeout(() => req.destroy(new Error("timed out")), this.#timeoutMs);
      deadline.unref();
      req.on("close", () => clearTimeout(deadline));
      // Network details (what a name resolves to) stay out of the answer.
      req.on("error", () => reject(refuse(url.href, "it could not be fetched")));
      req.end();
    });
  }

  #validate(clientId: string, body: string): ClientMetadataDocument {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      throw refuse(clientId, "the document is not JSON");
    }
    if (typeof document !== "object" || document === null || Array.isArray(document))
      throw refuse(clientId, "the document is not a JSON object");
    const metadata = document as Record<string, unknown>;
    if (metadata["client_id"] !== clientId)
      throw refuse(clientId, "the document's client_id does not equal its URL");
    const redirectUris = metadata["redirect_uris"];
    if (!Array.isArray(redirectUris) || redirectUris.length === 0)
      throw refuse(clientId, "the document has no redirect_uris");
    for (const uri of redirectUris) {
      const problem = redirectUriProblem(uri);
      if (problem) throw refuse(clientId, problem);
    }
    const method = metadata["token_endpoint_auth_method"];
    if (method !== undefined && method !== "none")
      throw refuse(
        clientId,
        `token_endpoint_auth_method '${String(method)}' is not supported for metadata documents; use 'none'`,
      );
    const text = (name: string): string | undefined =>
      typeof metadata[name] === "string" ? (metadata[name] as string).slice(0, 200) : undefined;
    return {
      clientId,
      clientName: text("client_name"),
      clientUri: text("client_uri"),
      redirectUris: redirectUris as string[],
    };
  }
}

function refuse(clientId: string, reason: string): OAuthError {
  return new OAuthError(
    "invalid_client",
    `The client metadata document at ${clientId} cannot be used: ${reason}`,
    400,
  );
}

function maxAgeOf(cacheControl: string | undefined): number | undefined {
  if (!cacheControl) return undefined;
  if (/(^|,)\s*(no-store|no-cache)\s*(,|$)/i.test(cacheControl)) return 0;
  const match = /(^|,)\s*max-age=(\d+)/i.exec(cacheControl);
  return match ? Number(match[2]) : undefined;
}
