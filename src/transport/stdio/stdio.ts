import type { Readable, Writable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { LOCAL } from "../../engine/context.js";
import type { Server } from "../../engine/server.js";
import { InvalidRequestError } from "../../errors.js";
import { LegacyCodec } from "../../protocol/2025-11-25/codec.js";
import { ModernCodec, type ModernCodecOptions } from "../../protocol/2026-07-28/codec.js";
import { errorResponse } from "../../protocol/jsonrpc.js";
import { MessageStream } from "../message-stream.js";

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
  const write = (message: unknown) => {
    if (!output.writableEnded) output.write(`${JSON.stringify(message)}\n`);
  };
  // The local user is trusted: no cap on requests in flight.
  const stream = new MessageStream(
    {
      server,
      modern: new ModernCodec(server, options),
      legacy: new LegacyCodec(server, options),
      clientRequestTimeoutMs: options.clientRequestTimeoutMs,
      maxInFlight: Number.POSITIVE_INFINITY,
    },
    write,
  );

  function onLine(line: string): void {
    if (line.trim() === "") return;
    stream.receiveText(line, LOCAL);
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
    // A client that closed its input may still read the output: work in flight finishes.
    await stream.finish();
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
      stream.abort(new Error("Server closing"));
      void finish();
    },
  };
}
