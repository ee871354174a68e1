import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, extname, join, resolve } from "node:path";
import { importFile } from "../modules.js";
import { ConfigError } from "./config-error.js";
import type { BerthConfig } from "./define-config.js";
import { applyEnvOverrides, substituteEnv } from "./env.js";
import { validateConfig } from "./validate.js";

/** The file names `berth serve` looks for, in this order. */
export const CONFIG_FILE_NAMES = [
  "berth.config.ts",
  "berth.config.mts",
  "berth.config.js",
  "berth.config.mjs",
  "berth.config.json",
  "berth.config.yaml",
  "berth.config.yml",
] as const;

/** A config read from a file, checked, with where its relative paths start. */
export interface LoadedConfig {
  config: BerthConfig;
  /** The file it came from, absolute. */
  file: string;
  /** The file's directory: relative `module`, `tls` and `dataDir` paths start here. */
  baseDir: string;
}

/** The first `berth.config.*` in `dir`, or undefined. */
export function findConfigFile(dir: string): string | undefined {
  for (const name of CONFIG_FILE_NAMES) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
}

/**
 * Read a config file (`.ts`, `.mts`, `.js`, `.mjs`, `.json`, `.yaml`, `.yml`), substitute
 * `${ENV}` references, apply the environment overrides (`PORT`, `HOST`, `BERTH_PUBLIC_URL`,
 * `BERTH_DATA_DIR`, `BERTH_STORE`) and validate it. Throws a {@link ConfigError} listing
 * every problem.
 *
 * @example
 * const { config, baseDir } = await loadConfig("berth.config.yaml");
 * const host = await startHost(config, { baseDir });
 */
export async function loadConfig(
  file: string,
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<LoadedConfig> {
  const path = resolve(file);
  const name = basename(path);
  const env = options.env ?? process.env;
  const raw = await readConfigFile(path, name);
  const substituted = substituteEnv(raw, env);
  const overridden = applyEnvOverrides(substituted.value, env);
  let config: BerthConfig | undefined;
  let problems = substituted.problems;
  try {
    config = validateConfig(overridden.value, name);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // A field whose variable is unset is already reported; its placeholder is no news.
    const fieldOf = (line: string) => line.slice(0, line.indexOf(": "));
    const unset = new Set(problems.map(fieldOf));
    for (const line of error.problems) {
      const field = fieldOf(line);
      if (unset.has(field)) continue;
      const variable = overridden.setBy.get(field);
      problems = [
        ...problems,
        variable ? line.replace(field, `${field} (from ${variable})`) : line,
      ];
    }
  }
  if (problems.length > 0 || !config) throw new ConfigError(name, problems);
  return { config, file: path, baseDir: dirname(path) };
}

async function readConfigFile(path: string, name: string): Promise<unknown> {
  const extension = extname(path).toLowerCase();
  if (extension === ".json" || extension === ".yaml" || extension === ".yml") {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      throw new ConfigError(name, [`(file): cannot read ${path} (${(error as Error).message})`]);
    }
    if (extension === ".json") {
      try {
        return JSON.parse(text);
      } catch (error) {
        throw new ConfigError(name, [`(file): not valid JSON (${(error as Error).message})`]);
      }
    }
    const { parseDocument } = await import("yaml");
    const document = parseDocument(text, { prettyErrors: true });
    if (document.errors.length > 0) {
      throw new ConfigError(
        name,
        document.errors.map((error) => `(file): not valid YAML (${error.message.split("\n")[0]})`),
      );
    }
    return document.toJS();
  }
  if (![".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"].includes(extension)) {
    throw new ConfigError(name, [
      `(file): unknown kind of config file; use .ts, .mts, .js, .mjs, .json, .yaml or .yml`,
    ]);
  }
  let module: Record<string, unknown>;
  try {
    module = await importFile(path);
  } catch (error) {
    throw new ConfigError(name, [`(file): cannot load ${path} (${(error as Error).message})`], {
      cause: error,
    });
  }
  const exported = module["default"] ?? module["config"];
  if (exported === undefined)
    throw new ConfigError(name, [
      "(file): exports no config; export it as default (export default defineConfig({...}))",
    ]);
  return typeof exported === "function" ? await (exported as () => unknown)() : exported;
}
