/** What the benchmark ran on, for the results file and the README. */
import os from "node:os";

/**
 * Machine facts plus the run's parameters (they belong with the numbers they produced).
 *
 * @param {{ seconds: number, warmupSeconds: number, connections: number }} run
 */
export function describeMachine(run) {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: os.availableParallelism?.() ?? cpus.length,
    memory_gb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    seconds_per_case: run.seconds,
    warmup_seconds: run.warmupSeconds,
    connections: run.connections,
  };
}
