import { createRequire } from "node:module";
import { isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Server } from "../engine/server.js";

const TYPESCRIPT = /\.(ts|mts|cts|tsx)$/;

/**
 * Import a module file: TypeScript through jiti (loaded only then), anything else with
 * Node's own `import`.
 */
export async function importFile(file: string): Promise<Record<string, unknown>> {
  if (TYPESCRIPT.test(file)) {
    const { createJiti } = await import("jiti");
    const jiti = createJiti(import.meta.url, { fsCache: false, moduleCache: false });
    return (await jiti.import(file)) as Record<string, unknown>;
  }
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** True for a Berth server, also one from another copy of the package. */
export function isServer(value: unknown): value is Server {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Server).tool === "function" &&
    typeof (value as Server).declaredScopes === "function" &&
    typeof (value as Server).info?.name === "string"
  );
}

/** `./file.js:name` → the file, resolved from `baseDir`, and the export name. */
export function splitModuleSpecifier(
  specifier: string,
  baseDir: string,
): { file: string; exportName: string | undefined } {
  const colon = specifier.lastIndexOf(":");
  // A single letter before the colon is a Windows drive, not an export name.
  const [path, exportName] =
    colon > 1 ? [specifier.slice(0, colon), specifier.slice(colon + 1)] : [specifier, undefined];
  const relative = path.startsWith(".") || isAbsolute(path);
  const file = relative
    ? resolve(baseDir, path)
    : createRequire(join(baseDir, "berth.config.js")).resolve(path);
  return { file, exportName: exportName || undefined };
}

/**
 * Load the server a `module` specifier names: its `default` or `server` export (or the
 * named one), which may be a server or a function returning one.
 *
 * @example
 * const server = await loadServerModule("./files.js:server", "/srv/berth");
 */
export async function loadServerModule(specifier: string, baseDir: string): Promise<Server> {
  let file: string;
  let exportName: string | undefined;
  try {
    ({ file, exportName } = splitModuleSpecifier(specifier, baseDir));
  } catch (error) {
    throw new Error(`cannot find ${specifier} (${(error as Error).message.split("\n")[0]})`, {
      cause: error,
    });
  }
  let module: Record<string, unknown>;
  try {
    module = await importFile(file);
  } catch (error) {
    throw new Error(`cannot load ${file} (${(error as Error).message.split("\n")[0]})`, {
      cause: error,
    });
  }
  const names = exportName ? [exportName] : ["default", "server"];
  for (const name of names) {
    let value = module[name];
    if (typeof value === "function" && !isServer(value)) value = await (value as () => unknown)();
    if (isServer(value)) return value;
  }
  throw new Error(
    `${file} exports no Berth server as ${names.map((name) => `"${name}"`).join(" or ")}`,
  );
}
