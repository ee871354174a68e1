/** Fields every line starts with, so they are not repeated as `key=value`. */
const HEAD = new Set(["time", "level", "msg"]);

/** A value as it reads in a pretty line: bare when it has no blanks or quotes, JSON otherwise. */
function shown(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

/** One pino JSON line as one readable line: `time LEVEL message key=value …`. */
export function prettyLine(json: string): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json.endsWith("\n") ? json : `${json}\n`;
  }
  const level = String(entry["level"] ?? "").toUpperCase();
  let line = `${String(entry["time"] ?? "")} ${level.padEnd(5)} ${String(entry["msg"] ?? "")}`;
  for (const [key, value] of Object.entries(entry))
    if (!HEAD.has(key) && value !== undefined) line += ` ${key}=${shown(value)}`;
  return `${line}\n`;
}

/**
 * A pino destination writing each event to `out` as one readable line instead of JSON,
 * for a terminal; no extra dependency.
 */
export function prettyDestination(out: NodeJS.WritableStream): { write(chunk: string): boolean } {
  return {
    write(chunk) {
      let text = "";
      for (const json of chunk.split("\n")) if (json) text += prettyLine(json);
      return out.write(text);
    },
  };
}
