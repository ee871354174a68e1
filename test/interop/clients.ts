/**
 * The official MCP clients, configured the ways real hosts use them, behind one small
 * interface so the interop suites can run the same behaviour against each of them:
 * the v2 client (`@modelcontextprotocol/client`) negotiating 2026-07-28 (`auto`) or
 * speaking 2025-11-25 (`legacy`), and the v1 SDK client (`@modelcontextprotocol/sdk`).
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  Client as V2Client,
  StreamableHTTPClientTransport as V2HttpTransport,
} from "@modelcontextprotocol/client";
import { StdioClientTransport as V2StdioTransport } from "@modelcontextprotocol/client/stdio";
import { Client as V1Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport as V1StdioTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport as V1HttpTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ElicitRequestSchema } from "@modelcontextprotocol/sdk/types.js";

/** The repository root, where the built CLI and demo live. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** `berth stdio` serving the built demo, as an MCP host's config would launch it. */
export const DEMO_STDIO = {
  command: process.execPath,
  args: ["dist/src/cli/main.js", "stdio", "dist/examples/demo.js"],
  cwd: ROOT,
};

/** Fail early, and say what to do, when the stdio suites run without a build. */
export function assertBuilt(): void {
  for (const file of ["dist/src/cli/main.js", "dist/examples/demo.js"]) {
    if (!existsSync(`${ROOT}${file}`)) {
      throw new Error(`${file} is missing: run \`npm run build\` before the stdio interop tests`);
    }
  }
}

/** Where a client connects: a Streamable HTTP URL, or a command to spawn for stdio. */
export type Target = { http: URL } | { stdio: typeof DEMO_STDIO };

/** A client configuration under test and the protocol revision it must end up on. */
export interface ClientConfig {
  readonly name: string;
  /** `modern` = stateless 2026-07-28; `legacy` = the 2025 `initialize` handshake. */
  readonly era: "modern" | "legacy";
  readonly expectedVersion: string;
  connect(target: Target): Promise<InteropClient>;
}

export interface Progress {
  progress: number;
  total?: number;
  message?: string;
}

export interface CallOptions {
  onprogress?: (progress: Progress) => void;
  signal?: AbortSignal;
  timeout?: number;
}

export interface ToolListing {
  name: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  _meta?: Record<string, unknown>;
}

export interface ToolResult {
  content: Array<{ type: string; text?: string }>;
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

export interface ResourceContents {
  uri: string;
  mimeType?: string;
  text?: string;
  _meta?: Record<string, unknown>;
}

export interface PromptResult {
  messages: Array<{ role: string; content: { type: string; text?: string } }>;
}

export interface CompleteParams {
  ref: { type: "ref/prompt"; name: string } | { type: "ref/resource"; uri: string };
  argument: { name: string; value: string };
}

/** What the suites need from a connected client, whatever its SDK. */
export interface InteropClient {
  /** The protocol revision the client says it negotiated. */
  readonly protocolVersion: string | undefined;
  /** Every `elicitation/create` the client's handler answered, by its params. */
  readonly elicitations: Array<Record<string, unknown>>;
  /** Errors the client reported through `onerror` (protocol violations it noticed). */
  readonly errors: Error[];
  listTools(): Promise<ToolListing[]>;
  callTool(name: string, args: Record<string, unknown>, options?: CallOptions): Promise<ToolResult>;
  readResource(uri: string): Promise<ResourceContents[]>;
  getPrompt(name: string, args: Record<string, string>): Promise<PromptResult>;
  complete(params: CompleteParams): Promise<string[]>;
  close(): Promise<void>;
}

/** Every request is bounded well inside the test timeout, so a hang fails with a reason. */
export const REQUEST_TIMEOUT_MS = 8_000;

/** The answer a user gives the demo's "favourite number" form. */
export const FAVOURITE_NUMBER = 20;

const CLIENT_INFO = { name: "berth-interop", version: "0.0.0" };

function v2Config(mode: "auto" | "legacy", expectedVersion: string): ClientConfig {
  return {
    name: `v2 client (versionNegotiation ${mode})`,
    era: mode === "auto" ? "modern" : "legacy",
    expectedVersion,
    async connect(target) {
      const client = new V2Client(CLIENT_INFO, {
        capabilities: { elicitation: { form: {} } },
        versionNegotiation: { mode, probe: { timeoutMs: 5_000, maxRetries: 0 } },
      });
      const elicitations: Array<Record<string, unknown>> = [];
      client.setRequestHandler("elicitation/create", async (request) => {
        elicitations.push(request.params as Record<string, unknown>);
        return { action: "accept", content: { number: FAVOURITE_NUMBER } };
      });
      const transport =
        "http" in target
          ? new V2HttpTransport(target.http)
          : new V2StdioTransport({ ...target.stdio, stderr: "inherit" });
      await client.connect(transport, { timeout: REQUEST_TIMEOUT_MS });
      const errors: Error[] = [];
      client.onerror = (error) => errors.push(error);
      const timeout = REQUEST_TIMEOUT_MS;
      return {
        protocolVersion: client.getNegotiatedProtocolVersion(),
        elicitations,
        errors,
        listTools: async () =>
          (await client.listTools(undefined, { timeout })).tools as ToolListing[],
        callTool: async (name, args, options = {}) =>
          (await client.callTool({ name, arguments: args }, { timeout, ...options })) as ToolResult,
        readResource: async (uri) =>
          (await client.readResource({ uri }, { timeout })).contents as ResourceContents[],
        getPrompt: async (name, args) =>
          (await client.getPrompt({ name, arguments: args }, { timeout })) as PromptResult,
        complete: async (params) => (await client.complete(params, { timeout })).completion.values,
        close: async () => {
          if (transport instanceof V2HttpTransport && transport.sessionId)
            await transport.terminateSession();
          await client.close();
        },
      };
    },
  };
}

const v1Config: ClientConfig = {
  name: "v1 SDK client",
  era: "legacy",
  expectedVersion: "2025-11-25",
  async connect(target) {
    const client = new V1Client(CLIENT_INFO, { capabilities: { elicitation: {} } });
    const elicitations: Array<Record<string, unknown>> = [];
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      elicitations.push(request.params as Record<string, unknown>);
      return { action: "accept", content: { number: FAVOURITE_NUMBER } };
    });
    const transport =
      "http" in target
        ? new V1HttpTransport(target.http)
        : new V1StdioTransport({ ...target.stdio, stderr: "inherit" });
    // The v1 client exposes the negotiated version only by handing it to the transport,
    // and only transports with `setProtocolVersion` (HTTP) receive it; tap that call.
    let protocolVersion: string | undefined;
    const original = (transport as { setProtocolVersion?: (v: string) => void }).setProtocolVersion;
    Object.assign(transport, {
      setProtocolVersion(version: string) {
        protocolVersion = version;
        original?.call(transport, version);
      },
    });
    await client.connect(transport, { timeout: REQUEST_TIMEOUT_MS });
    const errors: Error[] = [];
    client.onerror = (error) => errors.push(error);
    const timeout = REQUEST_TIMEOUT_MS;
    return {
      protocolVersion,
      elicitations,
      errors,
      listTools: async () =>
        (await client.listTools(undefined, { timeout })).tools as ToolListing[],
      callTool: async (name, args, options = {}) =>
        (await client.callTool({ name, arguments: args }, undefined, {
          timeout,
          ...options,
        })) as ToolResult,
      readResource: async (uri) =>
        (await client.readResource({ uri }, { timeout })).contents as ResourceContents[],
      getPrompt: async (name, args) =>
        (await client.getPrompt({ name, arguments: args }, { timeout })) as PromptResult,
      complete: async (params) => (await client.complete(params, { timeout })).completion.values,
      close: async () => {
        if (transport instanceof V1HttpTransport && transport.sessionId)
          await transport.terminateSession();
        await client.close();
      },
    };
  },
};

/** Each official client configuration, with the revision it must negotiate with Berth. */
export const CLIENTS: readonly ClientConfig[] = [
  v2Config("auto", "2026-07-28"),
  v2Config("legacy", "2025-11-25"),
  v1Config,
];
