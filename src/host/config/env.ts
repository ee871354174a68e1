import { fieldPath } from "./problems.js";

/** `${NAME}`, `${NAME:-default}`, or `$${…}` (a literal `${…}`). */
const REFERENCE = /\$?\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replace `${NAME}` in every string of a config with the environment variable's value.
 * `${NAME:-fallback}` uses `fallback` when the variable is unset or empty; `$${NAME}` stays
 * `${NAME}`. Returns a copy and one problem line per unset variable (naming it and the
 * field). Only plain objects and arrays are walked: a server object is left as it is.
 *
 * @example
 * substituteEnv({ metrics: { token: "${METRICS_TOKEN}" } }, process.env)
 */
export function substituteEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
): { value: unknown; problems: string[] } {
  const problems: string[] = [];
  const walk = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === "string") {
      return node.replace(REFERENCE, (match, name: string, fallback: string | undefined) => {
        if (match.startsWith("$$")) return match.slice(1);
        const found = env[name];
        if (found !== undefined && (found !== "" || fallback === undefined)) return found;
        if (fallback !== undefined) return fallback;
        problems.push(
          `${fieldPath(path)}: environment variable ${name} is not set ` +
            `(set it, or write \${${name}:-default} for a default)`,
        );
        return match;
      });
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (isPlainObject(node)) {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(node)) out[key] = walk(item, [...path, key]);
      return out;
    }
    return node;
  };
  return { value: walk(value, []), problems };
}

/** The environment variables that override the config, and what they set. */
export const ENV_OVERRIDES = {
  PORT: "listen.port",
  HOST: "listen.host",
  BERTH_PUBLIC_URL: "listen.publicUrl",
  BERTH_DATA_DIR: "dataDir",
  BERTH_STORE: "store",
  /** The name `berth users` and `berth keys` read; `BERTH_STORE` wins when both are set. */
  BERTH_STORE_URL: "store",
} as const;

/**
 * Apply `PORT`, `HOST`, `BERTH_PUBLIC_URL`, `BERTH_DATA_DIR` and `BERTH_STORE` (or
 * `BERTH_STORE_URL`, as `berth users` reads it) over a raw
 * config (before validation, so a bad value is reported like any other). Empty variables
 * are ignored. Returns a copy, and which variable set which field.
 */
export function applyEnvOverrides(
  config: unknown,
  env: NodeJS.ProcessEnv,
): { value: unknown; setBy: Map<string, string> } {
  const setBy = new Map<string, string>();
  if (!isPlainObject(config)) return { value: config, setBy };
  const out: Record<string, unknown> = { ...config };
  const listen: Record<string, unknown> = isPlainObject(out["listen"]) ? { ...out["listen"] } : {};
  let listenChanged = false;
  for (const [name, field] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    if (name === "BERTH_STORE_URL" && env["BERTH_STORE"]) continue;
    setBy.set(field, name);
    if (field.startsWith("listen.")) {
      listen[field.slice("listen.".length)] = value;
      listenChanged = true;
    } else out[field] = value;
  }
  if (listenChanged) out["listen"] = listen;
  return { value: out, setBy };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
