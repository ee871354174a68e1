import { randomUUID } from "node:crypto";
import type { Cancellation } from "../../engine/cancellation.js";
import type { ServerChange } from "../../engine/registrations.js";
import type { JsonObject, LogLevel } from "../../engine/types.js";
import { OutboundRequests } from "./outbound-requests.js";

/** Where a session's messages that belong to no request go (the GET stream, or stdout). */
export interface UnsolicitedChannel {
  send(message: JsonObject): void;
  /** Close the channel (the session ended). */
  end(): void;
}

/**
 * State of one legacy (2025-era) client: what `initialize` negotiated, its log level,
 * subscriptions, the requests it has in flight, and the requests the server sent it.
 */
export class LegacySession {
  /** The `Mcp-Session-Id`, or `undefined` for stateless and stdio sessions. */
  readonly id: string | undefined;
  /** Negotiated protocol version. */
  protocolVersion: string;
  /** Capabilities the client declared in `initialize`. */
  clientCapabilities: JsonObject = {};
  /** `clientInfo` from `initialize`. */
  clientInfo: JsonObject | undefined;
  /** Level set with logging/setLevel; `undefined` sends every level. */
  logLevel: LogLevel | undefined;
  /** Whether `notifications/initialized` arrived. */
  initialized = false;
  /** Resource URIs the client subscribed to. */
  readonly subscriptions = new Set<string>();
  /** In-flight client requests, for notifications/cancelled. */
  readonly inFlight = new Map<string | number, Cancellation>();
  /** Requests the server sent this client; only this session's messages may answer them. */
  readonly outbound: OutboundRequests;
  /** Last time the client used this session (ms since epoch). */
  lastSeen = Date.now();
  /** Subject of the principal that opened the session; only it may use the session. */
  owner: string | undefined;
  /** True for the throwaway sessions of stateless HTTP, which cannot be asked anything. */
  stateless = false;
  /** Open HTTP responses of this session (POST streams and the GET stream). */
  connections = 0;
  /** Where messages not tied to a request go, while the client listens. */
  unsolicited: UnsolicitedChannel | undefined;
  #unwatch: (() => void) | undefined;

  constructor(protocolVersion: string, withId: boolean, clientRequestTimeoutMs?: number) {
    this.protocolVersion = protocolVersion;
    this.id = withId ? randomUUID() : undefined;
    this.outbound = new OutboundRequests(clientRequestTimeoutMs);
  }

  /** Forward registry changes and subscribed resource updates to the client. */
  watch(onChange: (listener: (change: ServerChange) => void) => () => void): void {
    this.#unwatch?.();
    this.#unwatch = onChange((change) => {
      const channel = this.unsolicited;
      if (!channel) return;
      if (change.kind === "resource") {
        if (this.subscriptions.has(change.uri)) {
          channel.send({
            jsonrpc: "2.0",
            method: "notifications/resources/updated",
            params: { uri: change.uri },
          });
        }
        return;
      }
      channel.send({
        jsonrpc: "2.0",
        method: `notifications/${change.kind}/list_changed`,
        params: {},
      });
    });
  }

  /** End the session: cancel what is in flight, stop watching and close its stream. */
  close(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    for (const cancellation of this.inFlight.values())
      cancellation.abort(new Error("Session closed"));
    this.inFlight.clear();
    this.outbound.rejectAll();
    const channel = this.unsolicited;
    this.unsolicited = undefined;
    channel?.end();
  }
}
