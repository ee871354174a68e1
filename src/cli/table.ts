/** How listings print: aligned columns for people, ISO times in UTC. */

/**
 * Rows under a header in columns two spaces apart, one line each, ending in a newline.
 *
 * @example
 * formatTable(["ID", "NAME"], [["1", "alice"]]); // "ID  NAME\n1   alice\n"
 */
export function formatTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join("  ")
        .trimEnd(),
    )
    .map((line) => `${line}\n`)
    .join("");
}

/** A time in a table: UTC to the minute (`2026-11-21T09:22Z`), or `-` for none. */
export function formatTime(ms: number | null): string {
  return ms === null ? "-" : `${new Date(ms).toISOString().slice(0, 16)}Z`;
}

/** A time in JSON output: a full ISO 8601 string, or null. */
export function isoTime(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
