import type { IncomingMessage } from "node:http";
import { type RawData, WebSocket } from "ws";
import type { Principal } from "../../engine/context.js";
import { MessageStream, type StreamCodecs } from "../message-stream.js";

/** WebSocket close codes Berth uses (RFC 6455, section 7.4). */
export const CloseCode = {
  /** The server is shutting down. */
  GoingAway: 1001,
  /** A binary frame: MCP messages are JSON text. */
  UnsupportedData: 1003,
  /** A message larger than the limit (sent by `ws` itself, from `maxPayload`). */
  MessageTooBig: 1009,
  /** The connection's credentials expired or were revoked. */
  PolicyViolation: 1008,
  /** The client does not read what it is sent; the server will not buffer without bound. */
  TryAgainLater: 1013,
} as const;

/**
 * Checks the connection's credentials again (they may have expired or been revoked since
 * the handshake); resolves to the caller, or rejects.
 */
export type Reauthenticate = () => Principal | Promise<Principal>;

/**
 * One WebSocket connection serving one stream of JSON-RPC messages, one message per text
 * frame, on behalf of the principal who opened it. With `reauthenticate`, every message is
 * taken only once the credentials still hold; otherwise the connection is closed with 1008.
 */
export class WebSocketConnection {
  readonly #socket: WebSocket;
  readonly #stream: MessageStream;
  readonly #maxBufferedBytes: number;
  #alive = true;
  #checked: Promise<void> = Promise.resolve();

  /** `onClose` runs once, when the connection is gone. */
  constructor(
    socket: WebSocket,
    codecs: StreamCodecs,
    upgrade: IncomingMessage,
    principal: Principal,
    maxBufferedBytes: number,
    onClose: () => void,
    reauthenticate?: Reauthenticate,
  ) {
    this.#socket = socket;
    this.#maxBufferedBytes = maxBufferedBytes;
    this.#stream = new MessageStream(codecs, (message) => this.#send(message));
    socket.on("message", (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        this.#close(CloseCode.UnsupportedData, "MCP messages travel in text frames");
        return;
      }
      // binaryType is the default "nodebuffer": a message is one Buffer, fragments joined.
      const text = (data as Buffer).toString("utf8");
      if (!reauthenticate) {
        this.#stream.receiveText(text, principal, upgrade);
        return;
      }
      // Messages are taken in order, each once its check is done.
      this.#checked = this.#checked.then(async () => {
        let current: Principal;
        try {
          current = await reauthenticate();
        } catch {
          this.#close(CloseCode.PolicyViolation, "Credentials expired or revoked; reconnect");
          return;
        }
        this.#stream.receiveText(text, current, upgrade);
      });
    });
    socket.on("pong", () => {
      this.#alive = true;
    });
    // Protocol errors (an oversized message, invalid UTF-8) make `ws` close the connection
    // with the right code; the error itself needs no further handling.
    socket.on("error", () => {});
    socket.once("close", () => {
      this.#stream.close(false);
      onClose();
    });
  }

  /** Requests being answered on this connection now. */
  get inFlight(): number {
    return this.#stream.inFlight;
  }

  /** Refuse new requests while those in flight finish. */
  drain(): void {
    this.#stream.drain();
  }

  /** Ping the client; end a connection whose client did not answer the previous ping. */
  heartbeat(): void {
    if (!this.#alive) {
      this.#stream.close(false);
      this.#socket.terminate();
      return;
    }
    this.#alive = false;
    this.#socket.ping();
  }

  /** The server is closing: end listen streams, cancel work and close with 1001. */
  close(): void {
    this.#stream.close(true);
    this.#close(CloseCode.GoingAway, "Server closing");
  }

  /** Drop the connection at once, without a closing handshake. */
  terminate(): void {
    this.#stream.close(false);
    this.#socket.terminate();
  }

  #close(code: number, reason: string): void {
    this.#stream.close(false);
    if (this.#socket.readyState === WebSocket.OPEN) this.#socket.close(code, reason);
  }

  #send(message: object): void {
    if (this.#socket.readyState !== WebSocket.OPEN) return;
    if (this.#socket.bufferedAmount > this.#maxBufferedBytes) {
      this.#close(CloseCode.TryAgainLater, "The client reads its messages too slowly");
      return;
    }
    this.#socket.send(JSON.stringify(message));
  }
}
