/**
 * The log lines of a busy host, written without a general-purpose serializer: the request
 * and tool-call lines have a fixed shape, so each is built as one string, in the same shape
 * pino writes (`level`, `time`, fields, `msg`), and lines are handed to their destination
 * together, a few milliseconds' worth at a time, instead of one write each.
 */

/** Where lines go: a stream, or a pino destination. */
export interface LineDestination {
  write(chunk: string): unknown;
  flush?(done: (error?: Error) => void): void;
  flushSync?(): void;
}

/** Characters a JSON string cannot hold as they are. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON must escape
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as a JSON string literal. */
export function quoted(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

/**
 * `,"key":value` for one field of a line, or "" when the value is undefined. `key` is one
 * of the plugin's own field names, written as it is.
 */
export function field(key: string, value: unknown): string {
  switch (typeof value) {
    case "undefined":
      return "";
    case "string":
      return `,"${key}":${quoted(value)}`;
    case "number":
      return Number.isFinite(value) ? `,"${key}":${value}` : `,"${key}":null`;
    case "boolean":
      return `,"${key}":${value}`;
    default:
      return `,"${key}":${jsonOf(value)}`;
  }
}

/**
 * `,"key":"value"` for a string known to need no escaping (a checked token, an enum
 * member), or "" when it is undefined.
 */
export function plainField(key: string, value: string | undefined): string {
  return value === undefined ? "" : `,"${key}":"${value}"`;
}

/** `,"key":n` for a number (null when it is not finite). */
export function numberField(key: string, value: number): string {
  return Number.isFinite(value) ? `,"${key}":${value}` : `,"${key}":null`;
}

/**
 * `,"key":n` for a duration in milliseconds, rounded to hundredths (`3.41`, `0.05`, `12`).
 * Written with integer arithmetic: turning a fraction into text is several times slower.
 */
export function millisField(key: string, ms: number): string {
  if (!(ms >= 0 && ms < 1e12)) return numberField(key, ms);
  const hundredths = Math.round(ms * 100);
  const whole = Math.floor(hundredths / 100);
  const rest = hundredths - whole * 100;
  if (rest === 0) return `,"${key}":${whole}`;
  if (rest % 10 === 0) return `,"${key}":${whole}.${rest / 10}`;
  return `,"${key}":${whole}.${rest < 10 ? "0" : ""}${rest}`;
}

/** `,"key":json` for a value already written as JSON text, or "" when there is none. */
export function rawField(key: string, json: string | undefined): string {
  return json === undefined ? "" : `,"${key}":${json}`;
}

/** Any value as JSON; one that cannot be (a BigInt, a cycle) as a string saying so. */
function jsonOf(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "null";
  } catch {
    return '"[unserializable]"';
  }
}

let isoMillis = -1;
let isoText = "";

/** The current time as an ISO 8601 string, computed once per millisecond. */
export function isoNow(): string {
  const now = Date.now();
  if (now !== isoMillis) {
    isoMillis = now;
    isoText = new Date(now).toISOString();
  }
  return isoText;
}

/** The start of a line: `{"level":…,"time":…`; fields and {@link lineEnd} follow. */
export function lineStart(level: string): string {
  return `{"level":"${level}","time":"${isoNow()}"`;
}

/** The end of a line: its message, the closing brace and the newline. */
export function lineEnd(msg: string): string {
  return `,"msg":${quoted(msg)}}\n`;
}

/** Pending text above this many bytes is written at once rather than after the delay. */
const FLUSH_AT = 64 * 1024;
/** Room for the line that crosses {@link FLUSH_AT}; a longer line is written on its own. */
const CAPACITY = FLUSH_AT + 16 * 1024;
/** Lines wait at most this long before they are written. */
export const FLUSH_DELAY_MS = 10;

/** Sinks holding lines not yet written, flushed if the process exits before their turn ends. */
const pending = new Set<LineSink>();
let exitHooked = false;

/**
 * Lines collected for up to {@link FLUSH_DELAY_MS} (or 64 KiB) and written to their
 * destination together, in the order they came. A pino logger can write through it too
 * (it is a valid pino destination), so its lines keep their place among the others. The
 * wait keeps no process alive: lines still pending when the process exits are written
 * before it ends.
 *
 * Each line is copied, as UTF-8, into a buffer outside the JavaScript heap as it comes: a
 * line built by concatenation is a tree of small strings, and holding thousands of them
 * until the next write would have the garbage collector copy every piece, again and again.
 */
export class LineSink {
  readonly #destination: LineDestination;
  readonly #buffer = Buffer.allocUnsafeSlow(CAPACITY);
  /** Bytes of the buffer holding pending lines. */
  #used = 0;
  #scheduled = false;

  constructor(destination: LineDestination) {
    this.#destination = destination;
  }

  /** Add one or more whole lines (each ending in a newline). */
  write(lines: string): boolean {
    // A UTF-16 unit is at most 3 bytes of UTF-8; the exact size is counted only near the end.
    if (this.#used + lines.length * 3 > CAPACITY) {
      const bytes = Buffer.byteLength(lines);
      if (this.#used + bytes > CAPACITY) this.flush();
      if (bytes > CAPACITY) {
        this.#destination.write(lines);
        return true;
      }
    }
    this.#used += this.#buffer.write(lines, this.#used);
    if (this.#used >= FLUSH_AT) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      pending.add(this);
      if (!exitHooked) {
        exitHooked = true;
        process.once("exit", flushPending);
      }
      setTimeout(this.#flushLater, FLUSH_DELAY_MS).unref();
    }
    return true;
  }

  /**
   * Write what is pending now. `done` (pino's `logger.flush`) is called once the destination
   * has written it through, when it can say so.
   */
  flush(done?: (error?: Error) => void): void {
    if (this.#used > 0) {
      const text = this.#buffer.toString("utf8", 0, this.#used);
      this.#used = 0;
      this.#destination.write(text);
    }
    if (!done) return;
    if (this.#destination.flush) this.#destination.flush(done);
    else done();
  }

  /** Write what is pending and ask the destination to write through, synchronously. */
  flushSync(): void {
    this.flush();
    this.#destination.flushSync?.();
  }

  readonly #flushLater = (): void => {
    this.#scheduled = false;
    pending.delete(this);
    this.flush();
  };
}

function flushPending(): void {
  exitHooked = false;
  for (const sink of pending) {
    try {
      sink.flushSync();
    } catch {
      // The process is exiting; a destination that cannot write any more is left as it is.
    }
  }
  pending.clear();
}
