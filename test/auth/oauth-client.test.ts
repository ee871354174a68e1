/**
 * The official v2 client's OAuth support, end to end against the demo host: discovery,
 * registration (once with a Client ID Metadata Document, once with Dynamic Client
 * Registration), sign-in through the pages as a browser posts them, token, tools/call,
 * refresh after the access token expires, and a revoked token refused.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  Client,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  StreamableHTTPClientTransport,
  UnauthorizedError,
} from "@modelcontextprotocol/client";
import { MemoryAuthStore } from "berth/store";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startDemoHost } from "../../examples/demo-host.js";
import { DEMO_USERS } from "../../examples/demo-users.js";
import { authorizeInBrowser, FormBrowser } from "../support/oauth.js";

const REDIRECT = "http://127.0.0.1:9/callback";
const alice = DEMO_USERS[0];

/** An OAuth client provider whose "browser" signs alice in through the pages. */
class BrowserProvider implements OAuthClientProvider {
  readonly browser = new FormBrowser();
  authorizations: URL[] = [];
  callback: URL | undefined;
  #tokens: any;
  #client: any;
  #verifier: string | undefined;
  #discovery: OAuthDiscoveryState | undefined;
  readonly #metadataUrl: string | undefined;

  constructor(metadataUrl?: string) {
    this.#metadataUrl = metadataUrl;
  }
  get redirectUrl() {
    return REDIRECT;
  }
  get clientMetadataUrl() {
    return this.#metadataUrl;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "Interop Test Client",
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: "none",
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    };
  }
  clientInformation() {
    return this.#client;
  }
  saveClientInformation(information: unknown) {
    this.#client = information;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: unknown) {
    this.#tokens = tokens;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    if (!this.#verifier) throw new Error("no code verifier saved");
    return this.#verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.#discovery = state;
  }
  discoveryState() {
    return this.#discovery;
  }
  invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery") {
    if (scope === "all" || scope === "tokens") this.#tokens = undefined;
    if (scope === "all" || scope === "client") this.#client = undefined;
    if (scope === "all" || scope === "verifier") this.#verifier = undefined;
    if (scope === "all" || scope === "discovery") this.#discovery = undefined;
  }
  async redirectToAuthorization(url: URL) {
    this.authorizations.push(url);
    this.callback = await authorizeInBrowser(this.browser, url, alice);
  }
}

let dir: string;
let cert: string;
let documents: HttpsServer;
let metadataUrl: string;
let store: MemoryAuthStore;
let host: Awaited<ReturnType<typeof startDemoHost>>;

beforeAll(async () => {
  // A client metadata document must be served over https: a local server with its own certificate.
  dir = mkdtempSync(join(tmpdir(), "berth-cimd-"));
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
      "-days",
      "1",
      "-subj",
      "/CN=localhost",
      "-addext",
      "subjectAltName=DNS:localhost",
    ],
    { stdio: "ignore" },
  );
  cert = readFileSync(join(dir, "cert.pem"), "utf8");
  documents = createHttpsServer({ key: readFileSync(join(dir, "key.pem")), cert }, (req, res) => {
    if (req.url !== "/clients/interop.json") {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json", "cache-control": "max-age=60" });
    res.end(
      JSON.stringify({
        client_id: metadataUrl,
        client_name: "Interop Test Client (metadata document)",
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: "none",
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
      }),
    );
  });
  await new Promise<void>((resolve) => documents.listen(0, "127.0.0.1", resolve));
  metadataUrl = `https://localhost:${(documents.address() as AddressInfo).port}/clients/interop.json`;
  store = new MemoryAuthStore();
  host = await startDemoHost({
    store,
    port: 0,
    authorization: { clientMetadataDocuments: { allowHosts: ["localhost"], ca: cert } },
  });
});

afterAll(async () => {
  await host?.running.close();
  documents?.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.useRealTimers();
});

/** A connected client, signing in first when the server asks. */
async function connect(provider: BrowserProvider): Promise<Client> {
  const url = host.running.url;
  const first = new Client({ name: "interop", version: "1.0.0" });
  const attempt = await first
    .connect(new StreamableHTTPClientTransport(url, { authProvider: provider }))
    .then(() => first)
    .catch((error: unknown) => error);
  if (attempt instanceof Client) return attempt;
  expect(attempt).toBeInstanceOf(UnauthorizedError);
  const transport = new StreamableHTTPClientTransport(url, { authProvider: provider });
  await transport.finishAuth(provider.callback!.searchParams);
  const client = new Client({ name: "interop", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(url, { authProvider: provider }));
  return client;
}

async function whoami(client: Client) {
  const result = await client.callTool({ name: "whoami", arguments: {} });
  return result.structuredContent as { subject: string; via: string; scopes: string[] };
}

async function revoke(token: string, clientId: string) {
  const response = await fetch(new URL("/oauth/revoke", host.running.url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token, client_id: clientId }),
  });
  expect(response.status).toBe(200);
}

describe.each([
  ["a Client ID Metadata Document", true],
  ["Dynamic Client Registration", false],
])("v2 client OAuth flow with %s", (_name, useDocument) => {
  let provider: BrowserProvider;
  let client: Client;

  it("discovers, registers, signs in, gets a token and calls a tool as the user", async () => {
    provider = new BrowserProvider(useDocument ? metadataUrl : undefined);
    client = await connect(provider);
    const authorization = provider.authorizations[0]!;
    const clientId = authorization.searchParams.get("client_id")!;
    if (useDocument) {
      expect(clientId).toBe(metadataUrl);
      expect(await store.getClient(clientId)).toBeUndefined();
    } else {
      expect(clientId).toMatch(/^[0-9a-f-]{36}$/);
      expect(await store.getClient(clientId)).toBeDefined();
    }
    expect(authorization.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorization.searchParams.get("resource")).toBe(host.running.url.href);
    expect(provider.callback!.searchParams.get("iss")).toBe(host.running.url.origin);
    expect(await whoami(client)).toEqual({
      subject: "demo-alice",
      name: "Alice (demo)",
      via: "bearer",
      scopes: ["profile"],
    });
  });

  it("refreshes when the access token has expired, rotating the refresh token", async () => {
    const before = provider.tokens();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 3_601_000);
    expect((await whoami(client)).subject).toBe("demo-alice");
    const after = provider.tokens();
    expect(after.access_token).not.toBe(before.access_token);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(provider.authorizations).toHaveLength(1);
  });

  it("refuses a revoked token, and the client must sign in again", async () => {
    const token = provider.tokens().access_token;
    await revoke(token, provider.clientInformation().client_id);
    const raw = await fetch(host.running.url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${token}`,
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
      },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} }),
    });
    expect(raw.status).toBe(401);
    expect(raw.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // The refresh token died with the grant: the client has to start a new authorization.
    await expect(client.callTool({ name: "whoami", arguments: {} })).rejects.toThrow();
    expect(provider.authorizations).toHaveLength(2);
    await client.close();
  });
});
