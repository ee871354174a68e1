import { resolve } from "node:path";
import type { AuthStore } from "../store/types.js";
import { CommandFailedError, type CommandIo, UsageError } from "./io.js";

/** The options every command that reads or writes the auth store takes. */
export const STORE_OPTIONS = {
  "data-dir": { type: "string" },
  store: { type: "string" },
} as const;

/** Help text for {@link STORE_OPTIONS}. */
export const STORE_USAGE = `Options of every users and keys command:
  --data-dir <dir>  where Berth keeps its state (default $BERTH_DATA_DIR, else ./.berth)
  --store <url>     the auth store (default $BERTH_STORE_URL, else the file berth.db in the
                    data directory): sqlite:, sqlite:/absolute/path.db or memory:`;

/**
 * Open the store the options and environment name, run `use` with it, and close it.
 * A store that cannot be opened is a {@link CommandFailedError}.
 *
 * @example
 * await withStore(values, io, (store) => store.listUsers());
 */
export async function withStore<T>(
  values: { "data-dir"?: string | undefined; store?: string | undefined },
  io: CommandIo,
  use: (store: AuthStore) => Promise<T>,
): Promise<T> {
  if (values["data-dir"] === "") throw new UsageError("--data-dir needs a directory");
  const dataDir = resolve(values["data-dir"] || io.env["BERTH_DATA_DIR"] || ".berth");
  const url = values.store ?? io.env["BERTH_STORE_URL"];
  // Loaded here, not at the top, so that `berth serve` never loads the native SQLite module.
  const { openAuthStore } = await import("../store/index.js");
  let store: AuthStore;
  try {
    store = await openAuthStore(url, dataDir);
  } catch (error) {
    throw new CommandFailedError((error as Error).message, { cause: error });
  }
  if (url === "memory:")
    io.stderr.write("berth: note: the memory: store keeps nothing after this command\n");
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}
