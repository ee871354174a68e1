import type { IncomingMessage, ServerResponse } from "node:http";
import type { AuthStore } from "../store/types.js";
import { writeJson } from "../transport/http/respond.js";
import type { HostPlugin, ReadinessCheck } from "./plugin.js";

/** How long one readiness check may take before it counts as failed. */
const CHECK_TIMEOUT_MS = 2_000;

/** What health answers are made of. */
export interface HealthSources {
  /** True once the host has started draining. */
  draining(): boolean;
  /** The auth store, when the host opened one. */
  store: AuthStore | undefined;
  plugins: readonly HostPlugin[];
}

/** `/healthz` and `/readyz` request handlers. */
export interface HealthRoutes {
  /** 200 `{status:"ok"}` while alive; 503 `{status:"draining"}` once draining. */
  healthz(req: IncomingMessage, res: ServerResponse): void;
  /**
   * 200 `{status:"ready", checks}` when the store answers a read and every plugin is ready;
   * 503 `{status:"not_ready"|"draining", checks}` otherwise.
   */
  readyz(req: IncomingMessage, res: ServerResponse): void;
}

const NO_STORE = "no-readyz-user";

/** Build the health handlers. Nothing is cached: each probe checks afresh. */
export function healthRoutes(sources: HealthSources): HealthRoutes {
  const noCache = { "cache-control": "no-store" };
  return {
    healthz(req, res) {
      req.resume();
      if (sources.draining()) writeJson(res, 503, { status: "draining" }, noCache);
      else writeJson(res, 200, { status: "ok" }, noCache);
    },
    readyz(req, res) {
      req.resume();
      void readinessChecks(sources).then((checks) => {
        const status = sources.draining()
          ? "draining"
          : checks.every((check) => check.ok)
            ? "ready"
            : "not_ready";
        writeJson(res, status === "ready" ? 200 : 503, { status, checks }, noCache);
      });
    },
  };
}

/** Every check, each bounded in time; a check that throws or times out has failed. */
async function readinessChecks(sources: HealthSources): Promise<ReadinessCheck[]> {
  const pending: Promise<readonly ReadinessCheck[]>[] = [];
  const { store } = sources;
  if (store) {
    pending.push(
      bounded("store", async () => {
        await store.getUser(NO_STORE);
        return [{ name: "store", ok: true }];
      }),
    );
  }
  for (const plugin of sources.plugins) {
    const ready = plugin.ready?.bind(plugin);
    if (ready) pending.push(bounded(plugin.name, ready));
  }
  return (await Promise.all(pending)).flat();
}

async function bounded(
  name: string,
  check: () => Promise<readonly ReadinessCheck[]>,
): Promise<readonly ReadinessCheck[]> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<readonly ReadinessCheck[]>((resolve) => {
    timer = setTimeout(
      () => resolve([{ name, ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }]),
      CHECK_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([
      check().catch((error: unknown) => [
        { name, ok: false, detail: error instanceof Error ? error.message : String(error) },
      ]),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
