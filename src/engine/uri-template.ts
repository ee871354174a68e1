/**
 * RFC 6570 URI templates, compiled once into a matcher that extracts variables from a
 * concrete URI. Supports simple `{x}`, reserved `{+x}`, fragment `{#x}`, label `{.x}`,
 * path `{/x}`, and query `{?x,y}` / `{&x}` expressions.
 */
export class UriTemplate {
  /** The template text, as registered. */
  readonly template: string;
  /** Variable names in order of appearance. */
  readonly variables: readonly string[];
  readonly #regex: RegExp;
  readonly #groups: { name: string; query: boolean; explode: boolean; op: string }[] = [];

  constructor(template: string) {
    this.template = template;
    const names: string[] = [];
    let pattern = "^";
    let last = 0;
    const expression = /\{([+#./;?&]?)([^}]+)\}/g;
    for (let m = expression.exec(template); m; m = expression.exec(template)) {
      pattern += escapeRegExp(template.slice(last, m.index));
      last = m.index + m[0].length;
      const op = m[1] ?? "";
      const vars = (m[2] ?? "").split(",").map((v) => v.trim().replace(/:\d+$/, ""));
      for (const raw of vars) {
        const explode = raw.endsWith("*");
        const name = explode ? raw.slice(0, -1) : raw;
        if (!/^[A-Za-z0-9_.%]+$/.test(name))
          throw new TypeError(`Bad URI template variable '${raw}' in ${template}`);
        names.push(name);
      }
      if (op === "?" || op === "&") {
        // Query parameters: optional and order-independent, matched after the fact.
        pattern += "(?:[?&](.*))?";
        this.#groups.push({ name: vars.join(","), query: true, explode: false, op });
        continue;
      }
      for (let i = 0; i < vars.length; i++) {
        const raw = vars[i]!;
        const explode = raw.endsWith("*");
        const prefix =
          op === "#" && i === 0
            ? "#"
            : op === "."
              ? "\\."
              : op === "/"
                ? "/"
                : op === ";"
                  ? ";"
                  : i > 0
                    ? ","
                    : "";
        const value =
          op === "+" || op === "#" || explode ? "(.*?)" : op === "/" ? "([^/?#]*)" : "([^/?#,&]*)";
        pattern += prefix + (op === ";" ? `${escapeRegExp(raw)}=?` : "") + value;
        this.#groups.push({ name: explode ? raw.slice(0, -1) : raw, query: false, explode, op });
      }
    }
    pattern += `${escapeRegExp(template.slice(last))}$`;
    this.#regex = new RegExp(pattern);
    this.variables = names;
  }

  /** Variables of `uri` when it matches this template, otherwise `undefined`. */
  match(uri: string): Record<string, string | string[]> | undefined {
    const m = this.#regex.exec(uri);
    if (!m) return undefined;
    const out: Record<string, string | string[]> = {};
    this.#groups.forEach((group, i) => {
      const raw = m[i + 1];
      if (raw === undefined) return;
      if (group.query) {
        const wanted = new Set(group.name.split(","));
        for (const pair of raw.split("&")) {
          const [k, v = ""] = pair.split("=");
          if (k && wanted.has(k)) out[k] = safeDecode(v);
        }
        return;
      }
      out[group.name] = group.explode ? raw.split(/[,/]/).map(safeDecode) : safeDecode(raw);
    });
    return out;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
