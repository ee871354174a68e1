/**
 * Rate-limit store keys kept per caller, so a request builds no new string:
 * `<prefix>subject <subject>`, `<addressPrefix><address>` and, not kept,
 * `<prefix><anything else>`. The prefix is a rule's, or a rule's, mount's and tool's. Each
 * map holds at most {@link KEYS_KEPT} callers and starts again when full: the busy callers
 * come straight back, and a key is the same text whether it was kept or made anew.
 *
 * @example
 * const keys = new CallerKeys("1\nfiles\nread\n");
 * keys.subject("alice"); // "1\nfiles\nread\nsubject alice"
 */
export class CallerKeys {
  readonly #prefix: string;
  readonly #addressPrefix: string;
  readonly #subjects = new Map<string, string>();
  readonly #addresses = new Map<string, string>();

  /** `addressPrefix` defaults to `<prefix>address `. */
  constructor(prefix: string, addressPrefix = `${prefix}address `) {
    this.#prefix = prefix;
    this.#addressPrefix = addressPrefix;
  }

  /** The key of an authenticated caller. */
  subject(subject: string): string {
    return (
      this.#subjects.get(subject) ??
      keep(this.#subjects, subject, `${this.#prefix}subject ${subject}`)
    );
  }

  /** The key of a caller known by address. */
  address(address: string): string {
    return (
      this.#addresses.get(address) ?? keep(this.#addresses, address, this.#addressPrefix + address)
    );
  }

  /** `<prefix><text>`, not kept (API keys, which rules by key count, are rarer). */
  other(text: string): string {
    return this.#prefix + text;
  }
}

/** Most keys kept per map; a full map starts again (the busy callers come straight back). */
export const KEYS_KEPT = 4096;

/** Keep `key` for `name` in `map`, starting the map again when it is full; returns `key`. */
function keep(map: Map<string, string>, name: string, key: string): string {
  if (map.size >= KEYS_KEPT) map.clear();
  map.set(name, key);
  return key;
}
