/**
 * The log lines of a busy host, written without a general-purpose serializer: the request
 * and tool-call lines have a fixed shape, so each is built as one string, in the same shape
 * pino writes (`level`, `time`, fields, `msg`), and lines are handed to their destination
 * together, a few milliseconds' worth at a time, instead of one write each.
 */

import { WriteStream } from "node:fs";
import { Socket } from "node:net";
import { Writable } from "node:stream";

/**
 * Where lines go: a stream, or a pino destination. A Node `Writable` (a file stream,
 * `process.stdout`) is handed the lines' bytes; anything else (pino's destination) text.
 */
export interface LineDestination {
  write(chunk: string | Buffer): unknown;
  flush?(done: (error?: Error) => void): void;
  flushSync?(): void;
}

/**
 * `text`, made one piece in memory now. A string built by concatenation is a tree of its
 * parts until something needs it whole; a part kept and written into line after line
 * (a mount's fields, a caller's) would otherwise be walked piece by piece every time.
 * Converting it to a number makes V8 flatten it in place; the number is not used.
 */
export function flatString(text: string): string {
  Number(text);
  return text;
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
 * `,"key":n` for a duration in milliseconds, rounded to hundredths (`3.41`, `0.05`, `12`);
 * see {@link millisText}.
 */
export function millisField(key: string, ms: number): string {
  return `,"${key}":${millisText(ms)}`;
}

/**
 * A duration in milliseconds as JSON, rounded to hundredths (`3.41`, `0.05`, `12`; null
 * when it is not finite). Written with integer arithmetic: turning a fraction into text is
 * several times slower.
 */
export function millisText(ms: number): string {
  if (!(ms >= 0 && ms < 1e12)) return Number.isFinite(ms) ? String(ms) : "null";
  const hundredths = Math.round(ms * 100);
  const whole = Math.floor(hundredths / 100);
  const rest = hundredths - whole * 100;
  if (rest === 0) return String(whole);
  if (rest % 10 === 0) return `${whole}.${rest / 10}`;
  return `${whole}.${rest < 10 ? "0" : ""}${rest}`;
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
let isoSecond = Number.NaN;
/** `2026-12-06T03:41:56.` of the second `isoSecond`, or "" when it is written in full. */
let isoPrefix = "";

/**
 * The current time as an ISO 8601 string (`2026-12-06T03:41:56.334Z`), computed once per
 * millisecond; the date and time of day are formatted once per second.
 */
export function isoNow(): string {
  const now = Date.now();
  if (now !== isoMillis) {
    isoMillis = now;
    const second = Math.floor(now / 1000) * 1000;
    const millis = now - second;
    if (second !== isoSecond) {
      isoSecond = second;
      const full = new Date(second).toISOString();
      // Years outside 0 to 9999 are written with a sign and six digits: then in full.
      isoPrefix = full.length === 24 ? full.slice(0, 20) : "";
    }
    isoText =
      isoPrefix === ""
        ? new Date(now).toISOString()
        : `${isoPrefix}${millis < 10 ? "00" : millis < 100 ? "0" : ""}${millis}Z`;
  }
  return isoText;
}

/** The start of a line: `{"level":…,"time":…`; fields and {@link lineEnd} follow. */
export function lineStart(level: string): string {
  return `{"level":"${level}","time":"${isoNow()}"`;
}

/**
 * The start of the lines of one level and kind, `{"level":…,"time":…` and `marks` (fields
 * every such line has), written once per millisecond.
 *
 * @example
 * const toolCall = new LineStart("info", ',"audit":true');
 * sink.write(toolCall.text() + fields + lineEnd("tool call"));
 */
export class LineStart {
  readonly #level: string;
  readonly #marks: string;
  #time = "";
  #text = "";

  constructor(level: string, marks = "") {
    this.#level = level;
    this.#marks = marks;
  }

  /** The start for the current millisecond. */
  text(): string {
    const time = isoNow();
    if (time !== this.#time) {
      this.#time = time;
      this.#text = flatString(`{"level":"${this.#level}","time":"${time}"${this.#marks}`);
    }
    return this.#text;
  }
}

/** The end of a line: its message, the closing brace and the newline. */
export function lineEnd(msg: string): string {
  return `,"msg":${quoted(msg)}}\n`;
}

/**
 * Pending text above this many bytes is written at once rather than after the delay. A
 * host busy enough to reach it writes a few hundred kilobytes at a time: each write costs
 * the event loop tens of microseconds whatever its size, so fewer, larger ones cost less.
 */
export const FLUSH_AT = 256 * 1024;
/** Room for the line that crosses {@link FLUSH_AT}; a longer line is written on its own. */
const CAPACITY = FLUSH_AT + 16 * 1024;
/** Lines wait at most this long before they are written. */
export const FLUSH_DELAY_MS = 10;

/** Sinks holding lines not yet written, flushed if the process exits before their turn ends. */
const pending = new Set<LineSink>();
let exitHooked = false;

/**
 * Lines collected for up to {@link FLUSH_DELAY_MS} (or 256 KiB) and written to their
 * destination together, in the order they came. A pino logger can write through it too
 * (it is a valid pino destination), so its lines keep their place among the others. The
 * wait keeps no process alive: lines still pending when the process exits are written
 * before it ends.
 *
 * Each line is copied, as UTF-8, into a buffer outside the JavaScript heap as it comes: a
 * line built by concatenation is a tree of small strings, and holding thousands of them
 * until the next write would have the garbage collector copy every piece, again and again.
 * A stream that takes bytes gets that buffer as it is; a pino destination gets it as text.
 */
export class LineSink {
  readonly #destination: LineDestination;
  /** Whether the destination takes bytes: then they are not decoded to be encoded again. */
  readonly #bytes: boolean;
  #buffer: Buffer = Buffer.allocUnsafeSlow(CAPACITY);
  /**
   * Whether a buffer is done with once the stream calls back: a file or a socket has
   * written it by then, while a stream that passes chunks on (a PassThrough) may still hold
   * it, and gets a new buffer every time.
   */
  readonly #reuse: boolean;
  /** A buffer a stream has finished writing, for the next turn. */
  #spare: Buffer | undefined = undefined;
  /** Bytes of the buffer holding pending lines. */
  #used = 0;
  #scheduled = false;

  constructor(destination: LineDestination) {
    this.#destination = destination;
    this.#bytes = destination instanceof Writable && !(destination as Writable).writableObjectMode;
    this.#reuse = destination instanceof WriteStream || destination instanceof Socket;
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
      const used = this.#used;
      this.#used = 0;
      if (this.#bytes) {
        // The stream keeps the bytes until it has written them: the sink goes on in its
        // other buffer, and takes this one back once the stream says it is written.
        const full = this.#buffer;
        this.#buffer = this.#spare ?? Buffer.allocUnsafeSlow(CAPACITY);
        this.#spare = undefined;
        const bytes = full.subarray(0, used);
        if (this.#reuse) {
          (this.#destination as Writable).write(bytes, () => {
            this.#spare = full;
          });
        } else this.#destination.write(bytes);
      } else this.#destination.write(this.#buffer.toString("utf8", 0, used));
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
