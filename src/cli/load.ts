import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Server } from "../engine/server.js";

/**
 * Load a server from a module: its `default` export, or an export named `server`, may be a
 * {@link Server} or a function returning one (possibly async). `module:export` picks an export.
 */
export async function loadServer(specifier: string): Promise<Server> {
  const [path, exportName] = splitSpecifier(specifier);
  const url = pathToFileURL(resolve(process.cwd(), path)).href;
  let module: Record<string, unknown>;
  try {
    module = (await import(url)) as Record<string, unknown>;
  } catch (error) {
    throw new Error(`Cannot load ${path}: ${(error as Error).message}`, { cause: error });
  }
  const names = exportName ? [exportName] : ["default", "server"];
  for (const name of names) {
    let value = module[name];
    if (typeof value === "function" && !(value instanceof Server))
      value = await (value as () => unknown)();
    if (value instanceof Server) return value;
  }
  throw new Error(
    `${path} exports no Berth server: export one as default or as 'server' (looked at: ${names.join(", ")})`,
  );
}

function splitSpecifier(specifier: string): [string, string | undefined] {
  const colon = specifier.lastIndexOf(":");
  // A single letter before the colon is a Windows drive, not an export name.
  if (colon > 1) return [specifier.slice(0, colon), specifier.slice(colon + 1)];
  return [specifier, undefined];
}
