import { isAbsolute, join } from "node:path";
import { MemoryAuthStore } from "./memory/auth-store.js";
import { openSqliteAuthStore } from "./sqlite/open.js";
import type { AuthStore } from "./types.js";

/**
 * Where Berth keeps its state: the store interfaces, and their implementations in memory
 * and on SQLite.
 */
export { MemoryAuthStore } from "./memory/auth-store.js";
export { SqliteAuthStore } from "./sqlite/auth-store.js";
export { openSqliteAuthStore } from "./sqlite/open.js";
export * from "./types.js";

/** The store URL forms {@link openAuthStore} accepts, for error messages and help text. */
export const AUTH_STORE_URL_FORMS =
  '"sqlite:" (the file berth.db in the data directory, also the default), ' +
  '"sqlite:/absolute/path.db", or "memory:" (nothing kept after the process ends)';

/**
 * Open the auth store a URL names; asynchronous because network stores (later) connect.
 *
 * - `undefined`, `""` or `"sqlite:"` → SQLite file `<dataDir>/berth.db`
 * - `"sqlite:/abs/path.db"` → that SQLite file
 * - `"memory:"` → {@link MemoryAuthStore}
 *
 * @example
 * const store = await openAuthStore(process.env["BERTH_STORE"], "/var/lib/berth");
 */
export async function openAuthStore(url: string | undefined, dataDir: string): Promise<AuthStore> {
  if (url === undefined || url === "" || url === "sqlite:") {
    return openSqliteAuthStore(join(dataDir, "berth.db"));
  }
  if (url === "memory:") return new MemoryAuthStore();
  if (url.startsWith("sqlite:")) {
    const path = url.slice("sqlite:".length);
    // "sqlite://…" reads as a URL with a host; only a plain absolute path is unambiguous.
    if (isAbsolute(path) && !path.startsWith("//")) return openSqliteAuthStore(path);
    throw new Error(
      `Unsupported store URL "${url}": a SQLite file needs an absolute path, as in ` +
        `"sqlite:/var/lib/berth/berth.db". Accepted forms: ${AUTH_STORE_URL_FORMS}`,
    );
  }
  const hint = /^postgres(ql)?:/.test(url) ? " (PostgreSQL stores are not available yet)" : "";
  throw new Error(`Unsupported store URL "${url}"${hint}. Accepted forms: ${AUTH_STORE_URL_FORMS}`);
}
