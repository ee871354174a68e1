import { relative } from "node:path";
import { loadConfig } from "../host/config/load.js";
import { startHost } from "../host/host.js";

/** Command-line values that override the config file, as its environment overrides do. */
export interface ServeConfigOverrides {
  port?: string | undefined;
  host?: string | undefined;
  publicUrl?: string | undefined;
  dataDir?: string | undefined;
  store?: string | undefined;
}

/** Time past the drain deadline after which a stuck shutdown gives up. */
const STOP_MARGIN_MS = 5_000;

/**
 * `berth serve --config <file>`: load and check the file, start the host, print where each
 * server is, and drain on SIGTERM or SIGINT (a second signal stops at once). Resolves once
 * the host is serving; the process exits 0 after draining.
 */
export async function serveConfig(
  file: string,
  overrides: ServeConfigOverrides,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const set = (name: string, value: string | undefined) =>
    value === undefined ? {} : { [name]: value };
  const {
    config,
    baseDir,
    file: path,
  } = await loadConfig(file, {
    env: {
      ...env,
      ...set("PORT", overrides.port),
      ...set("HOST", overrides.host),
      ...set("BERTH_PUBLIC_URL", overrides.publicUrl),
      ...set("BERTH_DATA_DIR", overrides.dataDir),
      ...set("BERTH_STORE", overrides.store),
    },
  });
  const host = await startHost(config, { baseDir });
  const width = Math.max(...host.mounts.map((mount) => mount.name.length));
  const lines = host.mounts.map((mount) => `  ${mount.name.padEnd(width)}  ${mount.url.href}`);
  process.stderr.write(
    `Berth is serving ${relative(process.cwd(), path) || path} at ${host.url.href}\n${lines.join("\n")}\n`,
  );
  const drainSeconds = config.shutdown?.drainSeconds ?? 25;
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`berth: ${signal} again: stopping without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`berth: ${signal}: draining (up to ${drainSeconds} s)\n`);
    setTimeout(
      () => {
        process.stderr.write("berth: shutdown is stuck; stopping\n");
        process.exit(1);
      },
      drainSeconds * 1000 + STOP_MARGIN_MS,
    ).unref();
    host.drain(drainSeconds * 1000).then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`berth: shutdown failed: ${error.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
