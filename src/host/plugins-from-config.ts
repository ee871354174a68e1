import type { AuthEvent } from "../auth/server/events.js";
import { hopsOf } from "../transport/http/client-address.js";
import type { BerthConfig } from "./config/define-config.js";
import type { HostPlugin } from "./plugin.js";

/** The plugins a config's operations sections ask for. */
export interface ConfiguredPlugins {
  plugins: HostPlugin[];
  /** Where the built-in authorization server sends sign-in and token events (the audit log). */
  authEvents: ((event: AuthEvent) => void) | undefined;
}

/**
 * Turn `logging`, `tracing`, `metrics` and `rateLimits` into plugins, in that order
 * (logging outermost, so its request line sees what every other plugin did). Logging is
 * on unless its level is `silent`; metrics and tracing are on when their section is present
 * and not `enabled: false`. Each plugin's module is loaded only when it is used.
 */
export async function pluginsFromConfig(config: BerthConfig): Promise<ConfiguredPlugins> {
  const plugins: HostPlugin[] = [];
  let authEvents: ConfiguredPlugins["authEvents"];
  const trustProxy = hopsOf(config.listen?.trustProxy);
  const logging = config.logging ?? {};
  if (logging.level !== "silent") {
    const { loggingPlugin } = await import("./observability/logging.js");
    const plugin = loggingPlugin({
      ...(logging.level ? { level: logging.level } : {}),
      ...(logging.format ? { format: logging.format } : {}),
      ...(logging.audit !== undefined ? { audit: logging.audit } : {}),
      ...(trustProxy ? { trustProxy } : {}),
    });
    authEvents = (event) => plugin.audit(event);
    plugins.push(plugin);
  }
  if (config.tracing && config.tracing.enabled !== false) {
    const { tracingPlugin } = await import("./observability/tracing.js");
    plugins.push(
      tracingPlugin(config.tracing.tracerName ? { tracerName: config.tracing.tracerName } : {}),
    );
  }
  const metrics = config.metrics;
  if (metrics && metrics.enabled !== false) {
    const { metricsPlugin } = await import("./observability/metrics.js");
    plugins.push(
      metricsPlugin({
        ...(metrics.path ? { path: metrics.path } : {}),
        ...(metrics.token ? { token: metrics.token } : {}),
        ...(metrics.collectDefault !== undefined ? { collectDefault: metrics.collectDefault } : {}),
      }),
    );
  }
  if (config.rateLimits) {
    const { rateLimitPlugin } = await import("./limits/rate-limit.js");
    plugins.push(
      rateLimitPlugin({
        rules: config.rateLimits.rules,
        ...(config.rateLimits.concurrency ? { concurrency: config.rateLimits.concurrency } : {}),
        trustProxy,
      }),
    );
  }
  return { plugins, authEvents };
}
