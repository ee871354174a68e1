import type { Readable, Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { Cancellation } from "../../engine/cancellation.js";
import { LOCAL } from "../../engine/context.js";
import type { Server } from "../../engine/server.js";
import type { JsonObject } from "../../engine/types.js";
import { InvalidRequestError, ParseError, toBerthError } from "../../errors.js";
import { LegacyCodec } from "../../protocol/2025-11-25/codec.js";
import { LegacySession } from "../../protocol/2025-11-25/session.js";
import { ModernCodec, type ModernCodecOptions } from "../../protocol/2026-07-28/codec.js";
import { listen, type Subscription } from "../../protocol/2026-07-28/listen.js";
import {
  type ClientMessage,
  errorResponse,
  idOf,
  parseMessage,
  type RequestId,
} from "../../protocol/jsonrpc.js";
import { LEGACY_VERSIONS, META } from "../../protocol/versions.js";

/** Options of {@link serveStdio}. */
export interface StdioOptions extends ModernCodecOptions {
  /** Where messages come from (default `process.stdin`). */
  input?: Readable;
  /** Where messages go (default `process.stdout`); nothing else is ever written there. */
  output?: Writable;
  /** Longest accepted line, in bytes (default 4 MiB). */
  maxLineBytes?: number;
  /** How long to wait for the client's answer to elicitation, sampling or roots (default 10 minutes). */
  clientRequestTimeoutMs?: number;
}

/** A server running on stdio. */
export interface StdioConnection {
  /** Resolves when input ended and every in-flight request finished. */
  readonly closed: Promise<void>;
  /** Stop reading, cancel in-flight work and end subscriptions. */
  close(): void;
}

/**
 * Serve a server over stdio: newline-delimited JSON-RPC, both protocol eras. Logs belong on
 * stderr; stdout carries only protocol messages.
 *
 * @example
 * const connection = serveStdio(server);
 * await connection.closed;
 */
export function serveStdio(server: Server, options: StdioOptions = {}): StdioConnection {
  const input = options.input ?? process.stdin;
  const output = options.output ?? process.stdout;
  const maxLine = options.maxLineBytes ?? 4 * 1024 * 1024;
  const modern = new ModernCodec(server, options);
  const legacy = new LegacyCodec(server, options);
  const write = (message: unknown) => {
    if (!output.writableEnded) output.write(`${JSON.stringify(message)}\n`);
  };
  // The legacy session exists only once a 2025-era client spoke: a 2026 client must
  // receive no notification it did not subscribe to.
  let session: LegacySession | undefined;
  const inFlight = new Map<RequestId, Cancellation>();
  const subscriptions = new Map<RequestId, Subscription>();
  const running = new Set<Promise<void>>();

  const openSession = (created: LegacySession): LegacySession => {
    session?.close();
    session = created;
    session.unsolicited = { send: write, end: () => {} };
    return session;
  };
  const legacySession = (): LegacySession => {
    if (session) return session;
    const implicit = openSession(
      new LegacySession(LEGACY_VERSIONS[0], false, options.clientRequestTimeoutMs),
    );
    implicit.watch((listener) => server.onChange(listener));
    return implicit;
  };

  async function handle(incoming: ClientMessage): Promise<void> {
    if (incoming.kind === "response") {
      session?.outbound.resolve(incoming.message);
      return;
    }
    const { method, params } = incoming.message;
    if (incoming.kind === "notification") {
      if (method === "notifications/cancelled") {
        const id = params["requestId"] as RequestId;
        inFlight.get(id)?.abort(new Error("Cancelled by client"));
        subscriptions.get(id)?.close();
        subscriptions.delete(id);
      } else if (session) {
        legacy.notify(session, incoming.message);
      }
      return;
    }
    const request = incoming.message;
    const meta = params["_meta"] as JsonObject | undefined;
    const isModern =
      method === "server/discover" || (meta !== undefined && META.protocolVersion in meta);
    if (inFlight.has(request.id) || subscriptions.has(request.id)) {
      throw new InvalidRequestError(
        `Invalid request: id ${JSON.stringify(request.id)} is already in use`,
      );
    }
    if (isModern && method === "subscriptions/listen") {
      subscriptions.set(request.id, listen(server, request, write));
      return;
    }
    if (!isModern && method === "initialize") {
      const opened = legacy.initialize(request, { sessionId: false, watch: true });
      openSession(opened.session);
      write(opened.response);
      return;
    }
    const cancellation = new Cancellation();
    inFlight.set(request.id, cancellation);
    try {
      const response = isModern
        ? (await modern.handle(request, LOCAL, cancellation, write)).response
        : await legacy.handle(legacySession(), request, LOCAL, cancellation, write);
      if (response && !cancellation.aborted) write(response);
    } finally {
      inFlight.delete(request.id);
    }
  }

  function onLine(line: string): void {
    if (line.trim() === "") return;
    let raw: unknown;
    try {
      try {
        raw = JSON.parse(line);
      } catch (error) {
        throw new ParseError("Parse error: the line is not valid JSON", { cause: error });
      }
      if (Array.isArray(raw))
        throw new InvalidRequestError("Invalid request: JSON-RPC batches are not supported");
      const task = handle(parseMessage(raw)).catch((error) =>
        write(errorResponse(idOf(raw), toBerthError(error))),
      );
      running.add(task);
      task.finally(() => running.delete(task));
    } catch (error) {
      write(errorResponse(idOf(raw), toBerthError(error)));
    }
  }

  // Decode across chunk boundaries, so a multi-byte character split between chunks survives.
  const decoder = new StringDecoder("utf8");
  let buffer = "";
  let skipping = false;
  const onData = (chunk: Buffer | string) => {
    buffer += typeof chunk === "string" ? chunk : decoder.write(chunk);
    let newline = buffer.indexOf("\n");
    while (newline >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      if (skipping) skipping = false;
      else onLine(line);
      newline = buffer.indexOf("\n");
    }
    if (!skipping && Buffer.byteLength(buffer) > maxLine) {
      // Drop the rest of this line too, up to its newline.
      buffer = "";
      skipping = true;
      write(
        errorResponse(
          null,
          new InvalidRequestError(`Invalid request: message longer than ${maxLine} bytes`),
        ),
      );
    } else if (skipping) {
      buffer = "";
    }
  };

  let resolveClosed: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let finishing = false;
  const finish = async () => {
    if (finishing) return;
    finishing = true;
    input.off("data", onData);
    for (const subscription of subscriptions.values()) subscription.end();
    subscriptions.clear();
    // The client can no longer answer: fail what waits on it. Other work finishes, since a
    // client that closed its input may still read the output.
    session?.outbound.rejectAll();
    await Promise.allSettled([...running]);
    session?.close();
    resolveClosed();
  };
  input.on("data", onData);
  input.once("end", () => {
    buffer += decoder.end();
    if (buffer.trim() && !skipping) onLine(buffer);
    buffer = "";
    void finish();
  });
  return {
    closed,
    close() {
      for (const cancellation of inFlight.values()) cancellation.abort(new Error("Server closing"));
      void finish();
    },
  };
}
