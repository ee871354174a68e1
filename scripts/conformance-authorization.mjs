/**
 * The official suite's authorization-server scenarios against Berth's authorization server
 * (the demo host, on a memory store, with a pre-registered public client for the suite).
 * The suite prints an authorization URL and waits for a browser to reach its callback;
 * here a scripted browser signs a demo user in and follows the redirect to the callback.
 * Exits non-zero when any check fails.
 *
 * Usage: node scripts/conformance-authorization.mjs <node> <suite entry>
 */
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { startDemoHost } from "../dist/examples/demo-host.js";
import { DEMO_USERS } from "../dist/examples/demo-users.js";
import { MemoryAuthStore } from "../dist/src/store/index.js";
import { signInThroughPages } from "./lib/sign-in.mjs";

const [node, suite] = process.argv.slice(2);
if (!node || !suite) throw new Error("usage: conformance-authorization.mjs <node> <suite entry>");

/** A free loopback port for the suite's callback server. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const callbackPort = await freePort();
const clientId = "conformance-suite";
const store = new MemoryAuthStore();
const { running } = await startDemoHost({
  store,
  port: 0,
  authorization: {
    clients: [
      {
        clientId,
        name: "MCP conformance suite",
        redirectUris: [`http://127.0.0.1:${callbackPort}/callback`],
      },
    ],
  },
});
const issuer = running.url.origin;
process.stdout.write(`\n### Conformance: authorization server ${issuer}\n`);

const child = spawn(
  node,
  [
    suite,
    "authorization",
    "--url",
    issuer,
    "--client-id",
    clientId,
    "--resource",
    running.url.href,
    "-p",
    String(callbackPort),
    "-o",
    ".conformance/authorization",
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
let output = "";
let signedIn = false;
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  output += chunk;
  const match = new RegExp(`^(${issuer}/oauth/authorize\\?\\S+)$`, "m").exec(output);
  if (match && !signedIn && output.includes("Callback server started")) {
    signedIn = true;
    signInThroughPages(match[1], DEMO_USERS[0])
      .then((callback) => fetch(callback))
      .catch((error) => {
        process.stderr.write(`Signing in for the suite failed: ${error.message}\n`);
        child.kill("SIGTERM");
      });
  }
});
const timer = setTimeout(() => child.kill("SIGTERM"), 120_000);
const code = await new Promise((resolve) => child.once("exit", (exit) => resolve(exit ?? 1)));
clearTimeout(timer);
await running.close();
await store.close();
if (!signedIn) process.stderr.write("The suite never printed an authorization URL\n");
process.exit(signedIn ? code : 1);
