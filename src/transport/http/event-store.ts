import type { JsonObject } from "../../engine/types.js";

/**
 * Where legacy SSE events are kept so a client can resume a broken stream with
 * `Last-Event-ID`. Implement it over a shared store to resume across replicas. Event ids
 * are the store's own; Berth prefixes them with the stream id on the wire, checks that a
 * resumed stream belongs to the asking session, and passes both parts back here.
 */
export interface EventStore {
  /** Keep `message` as the next event of `streamId`; returns its id within the stream. */
  append(streamId: string, message: JsonObject): Promise<string> | string;
  /**
   * Send the events of `streamId` that came after `afterId`, in order. Returns false when
   * the stream or the event is unknown (nothing was sent).
   */
  replayAfter(
    streamId: string,
    afterId: string,
    send: (id: string, message: JsonObject) => void,
  ): Promise<boolean> | boolean;
  /** Forget a stream's events (its final event was delivered, or its session ended). */
  forget?(streamId: string): void;
}

/** Options of {@link InMemoryEventStore}. */
export interface InMemoryEventStoreOptions {
  /** Events kept per stream; older ones are dropped first (default 100). */
  maxEventsPerStream?: number;
  /** Streams kept; the least recently written is dropped first (default 10,000). */
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
    if (stream) {
      // Re-insert so the map's order is least recently written first.
      this.#streams.delete(streamId);
    } else {
      if (this.#streams.size >= this.#maxStreams) {
        const oldest = this.#streams.keys().next().value;
        if (oldest !== undefined) this.#streams.delete(oldest);
      }
      stream = { seq: 0, events: [] };
    }
    this.#streams.set(streamId, stream);
    const seq = ++stream.seq;
    stream.events.push({ seq, message });
    if (stream.events.length > this.#maxEvents) stream.events.shift();
    return String(seq);
  }

  replayAfter(
    streamId: string,
    afterId: string,
    send: (id: string, message: JsonObject) => void,
  ): boolean {
    const stream = this.#streams.get(streamId);
    const after = /^\d+$/.test(afterId) ? Number(afterId) : Number.NaN;
    if (!stream || !Number.isInteger(after) || after > stream.seq) return false;
    for (const event of stream.events) {
      if (event.seq > after) send(String(event.seq), event.message);
    }
    return true;
  }

  forget(streamId: string): void {
    this.#streams.delete(streamId);
  }
}
