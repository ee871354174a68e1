/**
 * Start a benchmarked server as a child process and talk to it over IPC: wait until it
 * listens, sample its memory and CPU time, stop it cleanly.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

const SERVERS = new URL("../servers/", import.meta.url);
const START_TIMEOUT_MS = 15_000;
/** Under a wrapper such as valgrind, node starts many times slower. */
const WRAPPED_START_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * @typedef {object} ServerSample
 * @property {number} rss Resident set size, in bytes.
 * @property {number} cpuMicros User plus system CPU time used so far, in microseconds.
 */

/**
 * @typedef {object} ServerProcess
 * @property {import("node:child_process").ChildProcess} child
 * @property {string | undefined} url The MCP endpoint, for HTTP servers.
 * @property {Record<string, string> | undefined} credentials What the server created for its
 *   clients to authenticate with, if anything.
 * @property {() => Promise<ServerSample>} sample Memory and CPU time of the server process.
 * @property {() => Promise<void>} stop Ask it to exit; kill it if it does not.
 */

/**
 * Fork `bench/servers/<script>`. With `pipes`, stdin and stdout are pipes (for stdio servers).
 * `BENCH_SERVER_NODE_OPTIONS` adds flags to the child's node, e.g. `--cpu-prof`.
 *
 * @param {string} script
 * @param {{ pipes?: boolean, env?: Record<string, string>, wrapper?: string[] }} [options]
 *   `env`: variables added to the child's environment. `wrapper`: a program and its
 *   arguments that run node (e.g. valgrind), instead of running node directly.
 * @returns {Promise<ServerProcess>}
 */
export async function startServer(script, options = {}) {
  const nodeOptions = process.env.BENCH_SERVER_NODE_OPTIONS?.split(/\s+/).filter(Boolean) ?? [];
  const [wrapper, ...wrapperArgs] = options.wrapper ?? [];
  const child = fork(fileURLToPath(new URL(script, SERVERS)), [], {
    ...(wrapper && { execPath: wrapper }),
    execArgv: wrapper ? [...wrapperArgs, process.execPath, ...nodeOptions] : nodeOptions,
    env: options.env ? { ...process.env, ...options.env } : process.env,
    stdio: options.pipes
      ? ["pipe", "pipe", "inherit", "ipc"]
      : ["ignore", "inherit", "inherit", "ipc"],
  });
  const { url, credentials } = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not start in time`)),
      wrapper ? WRAPPED_START_TIMEOUT_MS : START_TIMEOUT_MS,
    );
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with code ${code} before it was ready`));
    });
    child.on("message", (message) => {
      if (message?.type !== "ready") return;
      clearTimeout(timer);
      resolve(message);
    });
  });
  return { child, url, credentials, sample: () => sample(child), stop: () => stop(child) };
}

function sample(child) {
  if (!child.connected) return Promise.reject(new Error("the server process is gone"));
  return new Promise((resolve, reject) => {
    const onExit = (code) => {
      child.off("message", onMessage);
      reject(new Error(`the server process exited (code ${code})`));
    };
    const onMessage = (message) => {
      if (message?.type !== "sample") return;
      child.off("message", onMessage);
      child.off("exit", onExit);
      resolve({ rss: message.rss, cpuMicros: message.cpuMicros });
    };
    child.on("message", onMessage);
    child.once("exit", onExit);
    child.send({ type: "sample" });
  });
}

function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.send({ type: "stop" });
  });
}
