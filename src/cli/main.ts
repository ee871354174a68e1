#!/usr/bin/env node
import { parseArgs } from "node:util";
import { ConfigError } from "../host/config/config-error.js";
import { CONFIG_FILE_NAMES, findConfigFile } from "../host/config/load.js";
import { serveHttp } from "../transport/http/serve.js";
import { serveStdio } from "../transport/stdio/stdio.js";
import { processIo } from "./io.js";
import { KEYS_USAGE, runKeys } from "./keys.js";
import { loadServer } from "./load.js";
import { openServeAuthorization } from "./serve-auth.js";
import { serveConfig } from "./serve-config.js";
import { STORE_USAGE } from "./store-options.js";
import { runUsers, USERS_USAGE } from "./users.js";

const USAGE = `Usage:
  berth serve [--config <file>] [--port <n>] [--host <addr>] [--public-url <url>]
              [--data-dir <dir>] [--store <url>]
  berth serve <module> [--port 3000] [--host 127.0.0.1] [--path /mcp] [--public-url <url>]
              [--auth [--data-dir <dir>] [--store <url>]] [--allow-unauthenticated]
  berth stdio <module>
${USERS_USAGE}
${KEYS_USAGE}

'berth serve' without a module serves every server of a config file (docs/configuration.md):
--config <file>, else the first berth.config.{ts,mts,js,mjs,json,yaml,yml} in this directory.
PORT, HOST, BERTH_PUBLIC_URL, BERTH_DATA_DIR and BERTH_STORE (or BERTH_STORE_URL) override
the file, and the options above override those. SIGTERM or SIGINT drains: requests
in flight finish (up to shutdown.drainSeconds, default 25), new ones get 503; then it exits 0.

<module> exports a Berth server as default or as 'server' (or names one: module.js:myServer).
PORT and HOST environment variables set the defaults of --port and --host.
--auth turns on sign-in: the built-in OAuth authorization server and API keys, on the store
where 'berth users' and 'berth keys' write. --public-url is the endpoint's URL as clients
reach it (behind a proxy); its origin is the issuer.
'berth users --help' and 'berth keys --help' say more.

${STORE_USAGE}`;

const OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  path: { type: "string" },
  "allow-unauthenticated": { type: "boolean" },
  auth: { type: "boolean" },
  "public-url": { type: "string" },
  "data-dir": { type: "string" },
  store: { type: "string" },
  config: { type: "string", short: "c" },
  help: { type: "boolean", short: "h" },
} as const;

function fail(message: string): never {
  process.stderr.write(`berth: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  // Each command group parses its own arguments.
  if (argv[0] === "users" || argv[0] === "keys") {
    const run = argv[0] === "users" ? runUsers : runKeys;
    process.exitCode = await run(argv.slice(1), processIo());
    return;
  }
  let parsed: ReturnType<typeof parseArgs<{ allowPositionals: true; options: typeof OPTIONS }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const [command, module] = positionals;
  if (command !== "serve" && command !== "stdio")
    fail(command ? `unknown command '${command}'` : "missing command");
  if (command === "serve" && !module) {
    const file = values.config ?? findConfigFile(process.cwd());
    if (!file)
      fail(
        `'serve' needs a module, --config <file>, or a ${CONFIG_FILE_NAMES[0]} (or .js, .json, .yaml) here`,
      );
    for (const option of ["path", "auth", "allow-unauthenticated"] as const) {
      if (values[option] !== undefined)
        fail(`--${option} is for 'berth serve <module>'; with a config file, set it in the file`);
    }
    return serveConfig(file, {
      port: values.port,
      host: values.host,
      publicUrl: values["public-url"],
      dataDir: values["data-dir"],
      store: values.store,
    });
  }
  if (values.config !== undefined) fail("--config serves a config file: give it without a module");
  if (!module) fail(`'${command}' needs a module that exports a server`);
  const server = await loadServer(module);

  if (command === "stdio") {
    const connection = serveStdio(server);
    process.once("SIGTERM", () => connection.close());
    process.once("SIGINT", () => connection.close());
    await connection.closed;
    process.exit(0);
  }

  const portText = values.port ?? process.env["PORT"] ?? "3000";
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--port must be a port number (got '${portText}')`);
  const authorization = values.auth
    ? await openServeAuthorization(server, {
        dataDir: values["data-dir"],
        store: values.store,
        env: process.env,
      })
    : undefined;
  const running = await serveHttp(server, {
    port,
    host: values.host ?? process.env["HOST"] ?? "127.0.0.1",
    ...(values.path ? { path: values.path } : {}),
    ...(values["public-url"] ? { publicUrl: values["public-url"] } : {}),
    ...(authorization ? { authorizationServer: authorization.oauth } : {}),
    allowUnauthenticatedRemote: values["allow-unauthenticated"] === true,
  });
  const config = { mcpServers: { [server.info.name]: { type: "http", url: running.url.href } } };
  process.stderr.write(
    `${server.info.title ?? server.info.name} ${server.info.version} is serving MCP at ${running.url.href}` +
      `${authorization ? ` with sign-in (issuer ${authorization.oauth.issuer})` : ""}\n` +
      `Client configuration:\n${JSON.stringify(config, null, 2)}\n`,
  );
  const stop = () => {
    running
      .close()
      .then(() => authorization?.store.close())
      .then(() => process.exit(0));
  };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

main(process.argv.slice(2)).catch((error: Error) => {
  // A config's problems are listed one per line; nothing was started.
  process.stderr.write(`berth: ${error.message}\n`);
  process.exit(error instanceof ConfigError ? 2 : 1);
});
