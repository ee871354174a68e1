import { UsageError } from "./io.js";

const HOUR = 3_600_000;
const UNITS: Record<string, number> = { h: HOUR, d: 24 * HOUR, w: 7 * 24 * HOUR };
const DURATION = /^(\d{1,6})([hdw])$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?$/;

/**
 * When a key given `--expires <text>` at `now` expires, in milliseconds since the epoch:
 * a duration from now (`12h`, `30d`, `8w`) or an ISO 8601 date or time (`2027-01-31`,
 * `2027-01-31T18:00+01:00`), UTC unless an offset is given. Anything else, impossible
 * dates and times already past are a {@link UsageError}.
 *
 * @example
 * parseExpiry("30d", Date.now()); // 30 days from now
 */
export function parseExpiry(text: string, now: number): number {
  const duration = DURATION.exec(text);
  if (duration) {
    const count = Number(duration[1]);
    if (count === 0)
      throw new UsageError(`--expires ${text} is already past: give a positive duration`);
    return now + count * UNITS[duration[2]!]!;
  }
  const at = parseDateTime(text);
  if (Number.isNaN(at))
    throw new UsageError(`--expires ${text} is not a date and time that exists`);
  if (at === undefined)
    throw new UsageError(
      `--expires '${text}' is neither a duration (12h, 30d, 8w) nor an ISO 8601 date or time ` +
        "(2027-01-31, 2027-01-31T18:00Z)",
    );
  if (at <= now) throw new UsageError(`--expires ${text} is already past`);
  return at;
}

/** The time an ISO 8601 date or time names; undefined when not one, NaN when impossible. */
function parseDateTime(text: string): number | undefined {
  const match = DATE_TIME.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match
    .slice(1, 7)
    .map((part) => Number(part ?? 0));
  const utc = Date.UTC(year!, month! - 1, day!, hour!, minute!, second!);
  const date = new Date(utc);
  // Date.UTC rolls 2027-02-30 over to March; a date that does not round-trip does not exist.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month! - 1 ||
    date.getUTCDate() !== day ||
    date.getUTCHours() !== hour ||
    date.getUTCMinutes() !== minute ||
    date.getUTCSeconds() !== second
  )
    return Number.NaN;
  const offset = match[7];
  if (offset === undefined || offset === "Z") return utc;
  const sign = offset.startsWith("-") ? -1 : 1;
  const minutes = Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6));
  if (minutes >= 24 * 60) return Number.NaN;
  return utc - sign * minutes * 60_000;
}
