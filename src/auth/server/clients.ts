import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { OAuthStore } from "../../store/types.js";
import { sha256Hex } from "../secrets.js";
import { ClientMetadataDocuments } from "./client-metadata-document.js";
import { OAuthError } from "./oauth-error.js";
import { redirectUriProblem } from "./redirect-uris.js";

/** A client configured up front, rather than registered at run time. */
export interface PreRegisteredClient {
  clientId: string;
  /** The secret of a confidential client; omit for a public one (a native or browser app). */
  clientSecret?: string;
  redirectUris: string[];
  /** The name shown on the consent page. */
  name?: string;
}

/** How a client may prove itself at the token and revocation endpoints. */
export const CLIENT_AUTH_METHODS = ["none", "client_secret_basic", "client_secret_post"] as const;

/** How a client proves itself at the token endpoint. */
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

/** A client the authorization server knows, from whichever source. */
export interface OAuthClient {
  id: string;
  name: string | undefined;
  redirectUris: readonly string[];
  /** Hex SHA-256 of the secret of a confidential client; null for a public one. */
  secretHash: string | null;
  authMethod: ClientAuthMethod;
  source: "registered" | "metadata-document" | "pre-registered";
}

/**
 * Finds clients (pre-registered, registered through DCR, or described by a Client ID
 * Metadata Document) and authenticates them at the token and revocation endpoints.
 */
export class ClientDirectory {
  readonly #store: Pick<OAuthStore, "getClient">;
  readonly #preRegistered = new Map<string, OAuthClient>();
  readonly #documents: ClientMetadataDocuments | undefined;

  constructor(
    store: Pick<OAuthStore, "getClient">,
    preRegistered: readonly PreRegisteredClient[],
    documents: ClientMetadataDocuments | undefined,
  ) {
    this.#store = store;
    this.#documents = documents;
    for (const client of preRegistered) {
      for (const uri of client.redirectUris) {
        const problem = redirectUriProblem(uri);
        if (problem) throw new Error(`Pre-registered client '${client.clientId}': ${problem}`);
      }
      this.#preRegistered.set(client.clientId, {
        id: client.clientId,
        name: client.name,
        redirectUris: [...client.redirectUris],
        secretHash: client.clientSecret ? sha256Hex(client.clientSecret) : null,
        authMethod: client.clientSecret ? "client_secret_basic" : "none",
        source: "pre-registered",
      });
    }
  }

  /** Whether Client ID Metadata Documents are accepted. */
  get acceptsMetadataDocuments(): boolean {
    return this.#documents !== undefined;
  }

  /**
   * The client with this id, or undefined when there is none. A metadata document that
   * cannot be fetched or is invalid throws {@link OAuthError}.
   */
  async find(clientId: string): Promise<OAuthClient | undefined> {
    const pre = this.#preRegistered.get(clientId);
    if (pre) return pre;
    if (ClientMetadataDocuments.isDocumentUrl(clientId)) {
      if (!this.#documents) return undefined;
      const document = await this.#documents.resolve(clientId);
      return {
        id: clientId,
        name: document.clientName,
        redirectUris: document.redirectUris,
        secretHash: null,
        authMethod: "none",
        source: "metadata-document",
      };
    }
    const record = await this.#store.getClient(clientId);
    if (!record) return undefined;
    const metadata = record.metadata;
    return {
      id: record.id,
      name: typeof metadata["client_name"] === "string" ? metadata["client_name"] : undefined,
      redirectUris: (metadata["redirect_uris"] as string[] | undefined) ?? [],
      secretHash: record.secretHash,
      authMethod:
        (metadata["token_endpoint_auth_method"] as ClientAuthMethod | undefined) ?? "none",
      source: "registered",
    };
  }

  /**
   * The client making a token or revocation request: `client_secret_basic` (the
   * Authorization header), `client_secret_post` or a public client's `client_id`. Throws
   * `invalid_client` (401) for unknown clients and wrong or missing secrets.
   */
  async authenticate(
    req: IncomingMessage,
    form: URLSearchParams,
  ): Promise<{ client: OAuthClient; basic: boolean }> {
    const basic = parseBasic(req.headers.authorization);
    const formId = form.get("client_id");
    if (basic && formId !== null && formId !== basic.id)
      throw new OAuthError("invalid_request", "client_id differs from the Authorization header");
    const id = basic?.id ?? formId;
    if (!id) throw new OAuthError("invalid_client", "Name the client: send client_id");
    const secret = basic?.secret ?? form.get("client_secret");
    const client = await this.find(id).catch((error: unknown) => {
      if (error instanceof OAuthError) throw new OAuthError("invalid_client", error.message);
      throw error;
    });
    if (!client) throw new OAuthError("invalid_client", `Unknown client '${id}'; register again`);
    if (client.secretHash !== null) {
      if (!secret)
        throw new OAuthError("invalid_client", "This client must authenticate with its secret");
      const given = Buffer.from(sha256Hex(secret), "hex");
      const expected = Buffer.from(client.secretHash, "hex");
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new OAuthError("invalid_client", "The client secret is wrong");
    }
    return { client, basic: basic !== undefined };
  }
}

function parseBasic(header: string | undefined): { id: string; secret: string } | undefined {
  const match = header ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null;
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw new OAuthError("invalid_client", "Malformed Basic credentials");
  try {
    // RFC 6749 2.3.1: both parts are form-encoded before joining.
    return {
      id: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, " ")),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, " ")),
    };
  } catch {
    throw new OAuthError("invalid_client", "Malformed Basic credentials");
  }
}
