import type { JsonObject } from "../../engine/types.js";

/**
 * Where legacy SSE events are kept so a client can resume a broken stream with
 * `Last-Event-ID`. Implement it over a shared store to resume across replicas.
 */
export interface EventStore {
  /** Keep `message` as the next event of `streamId`; returns its event id. */
  append(streamId: string, message: JsonObject): Promise<string> | string;
  /**
   * Replay the events of the stream `lastEventId` belongs to that came after it.
   * Returns that stream's id, or `undefined` when the event is unknown.
   */
  replayAfter(
    lastEventId: string,
    send: (eventId: string, message: JsonObject) => void,
  ): Promise<string | undefined> | string | undefined;
  /** Forget a finished stream's events. */
  forget?(streamId: string): void;
}

/** Options of {@link InMemoryEventStore}. */
export interface InMemoryEventStoreOptions {
  /** Events kept per stream; older ones are dropped first (default 100). */
  maxEventsPerStream?: number;
  /** Streams kept; the oldest is dropped first (default 10,000). */
  maxStreams?: number;
}

/** An {@link EventStore} in this process's memory, bounded in size. */
export class InMemoryEventStore implements EventStore {
  readonly #streams = new Map<
    string,
    { seq: number; events: { seq: number; message: JsonObject }[] }
  >();
  readonly #maxEvents: number;
  readonly #maxStreams: number;

  constructor(options: InMemoryEventStoreOptions = {}) {
    this.#maxEvents = options.maxEventsPerStream ?? 100;
    this.#maxStreams = options.maxStreams ?? 10_000;
  }

  append(streamId: string, message: JsonObject): string {
    let stream = this.#streams.get(streamId);
    if (!stream) {
      if (this.#streams.size >= this.#maxStreams) {
        const oldest = this.#streams.keys().next().value;
        if (oldest !== undefined) this.#streams.delete(oldest);
      }
      stream = { seq: 0, events: [] };
      this.#streams.set(streamId, stream);
    }
    const seq = ++stream.seq;
    stream.events.push({ seq, message });
    if (stream.events.length > this.#maxEvents) stream.events.shift();
    return `${streamId}:${seq}`;
  }

  replayAfter(
    lastEventId: string,
    send: (eventId: string, message: JsonObject) => void,
  ): string | undefined {
    const colon = lastEventId.lastIndexOf(":");
    if (colon < 0) return undefined;
    const streamId = lastEventId.slice(0, colon);
    const after = Number(lastEventId.slice(colon + 1));
    const stream = this.#streams.get(streamId);
    if (!stream || !Number.isInteger(after)) return undefined;
    for (const event of stream.events) {
      if (event.seq > after) send(`${streamId}:${event.seq}`, event.message);
    }
    return streamId;
  }

  forget(streamId: string): void {
    this.#streams.delete(streamId);
  }
}
