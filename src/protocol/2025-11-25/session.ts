import { randomUUID } from "node:crypto";
import type { Cancellation } from "../../engine/cancellation.js";
import type { ServerChange } from "../../engine/server.js";
import type { JsonObject, LogLevel } from "../../engine/types.js";

/**
 * State of one legacy (2025-era) client: what `initialize` negotiated, its log level,
 * subscriptions, and the requests it has in flight.
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
  /** Last time the client used this session (ms since epoch). */
  lastSeen = Date.now();
  /** Where messages not tied to a request go (the GET stream, or stdout). */
  unsolicited: ((message: JsonObject) => void) | undefined;
  #unwatch: (() => void) | undefined;

  constructor(protocolVersion: string, withId: boolean) {
    this.protocolVersion = protocolVersion;
    this.id = withId ? randomUUID() : undefined;
  }

  /** Forward registry changes and subscribed resource updates to the client. */
  watch(onChange: (listener: (change: ServerChange) => void) => () => void): void {
    this.#unwatch?.();
    this.#unwatch = onChange((change) => {
      const send = this.unsolicited;
      if (!send) return;
      if (change.kind === "resource") {
        if (this.subscriptions.has(change.uri)) {
          send({
            jsonrpc: "2.0",
            method: "notifications/resources/updated",
            params: { uri: change.uri },
          });
        }
        return;
      }
      send({ jsonrpc: "2.0", method: `notifications/${change.kind}/list_changed`, params: {} });
    });
  }

  /** End the session: cancel what is in flight and stop watching. */
  close(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    for (const controller of this.inFlight.values()) controller.abort(new Error("Session closed"));
    this.inFlight.clear();
    this.unsolicited = undefined;
  }
}
