/**
 * A server child's side of the IPC conversation with bench/run.mjs: announce readiness, answer
 * resource samples, and exit cleanly when told to (so `--cpu-prof` profiles get written).
 */

/**
 * Tell the parent the server is listening, and serve its control messages.
 *
 * @param {{ url?: string, credentials?: Record<string, string>, close?: () => Promise<void> | void }} info
 *   `credentials`: what a client needs to get in (an API key, a user to sign in), for the
 *   case's `prepare`.
 */
export function ready(info) {
  if (!process.send)
    throw new Error("Start bench servers with bench/run.mjs (they need an IPC channel)");
  process.on("message", async (message) => {
    if (message?.type === "sample") {
      const cpu = process.cpuUsage();
      process.send({
        type: "sample",
        rss: process.memoryUsage.rss(),
        cpuMicros: cpu.user + cpu.system,
      });
    }
    if (message?.type === "stop") {
      await info.close?.();
      process.exit(0);
    }
  });
  // The parent went away: do not linger.
  process.on("disconnect", () => process.exit(0));
  process.send({ type: "ready", url: info.url, credentials: info.credentials });
}
