import type { LegacySession } from "../../protocol/2025-11-25/session.js";

/** Options of the legacy session table. */
export interface SessionTableOptions {
  /** Close legacy sessions idle for this long, in milliseconds (default 30 minutes). */
  sessionIdleMs?: number;
  /** Refuse new legacy sessions past this many (default 10,000). */
  maxSessions?: number;
}

/** Legacy sessions by `Mcp-Session-Id`, closed when idle. */
export class SessionTable {
  readonly #sessions = new Map<string, LegacySession>();
  readonly #idleMs: number;
  /** The most sessions kept at once. */
  readonly maxSessions: number;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: SessionTableOptions = {}) {
    this.#idleMs = options.sessionIdleMs ?? 30 * 60_000;
    this.maxSessions = options.maxSessions ?? 10_000;
    this.#sweeper = setInterval(() => this.sweep(), Math.min(60_000, this.#idleMs)).unref();
  }

  /** Number of open sessions. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Keep a new session. */
  add(session: LegacySession): void {
    if (session.id) this.#sessions.set(session.id, session);
  }

  /** The session with this id. */
  get(id: string): LegacySession | undefined {
    return this.#sessions.get(id);
  }

  /** Close and forget a session; false if unknown. */
  delete(id: string): boolean {
    const session = this.#sessions.get(id);
    if (!session) return false;
    session.close();
    return this.#sessions.delete(id);
  }

  /**
   * Close sessions nobody is connected to and that sent nothing for longer than the limit.
   * Work still running for such a session is cancelled: no one is left to receive it.
   */
  sweep(now = Date.now()): void {
    for (const [id, session] of this.#sessions) {
      if (session.connections === 0 && now - session.lastSeen > this.#idleMs) this.delete(id);
    }
  }

  /** Close every session and stop sweeping. */
  close(): void {
    clearInterval(this.#sweeper);
    for (const id of [...this.#sessions.keys()]) this.delete(id);
  }
}
