import { Writable } from "node:stream";

/** A stream that keeps what is written to it, to read log lines back. */
export interface Captured {
  stream: Writable;
  /** Everything written so far. */
  text(): string;
  /** Every line so far, parsed as JSON. */
  entries(): Record<string, any>[];
}

/** Capture log output in memory. */
export function capture(): Captured {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      chunks.push(String(chunk));
      callback();
    },
  });
  const text = () => chunks.join("");
  return {
    stream,
    text,
    entries: () =>
      text()
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
  };
}
