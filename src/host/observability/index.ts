/**
 * Operations plugins for a host: Prometheus metrics, structured logs with an audit log,
 * and OpenTelemetry traces. Each is a {@link HostPlugin}.
 */
export {
  type ApiKeyEvent,
  type ArgumentsPolicy,
  type AuditEvent,
  type AuditOptions,
  DEFAULT_REDACT_KEYS,
  jsonRedactor,
  redactor,
} from "./audit.js";
export { type LoggingOptions, type LoggingPlugin, loggingPlugin } from "./logging.js";
export { type MetricsOptions, type MetricsPlugin, metricsPlugin } from "./metrics.js";
export { requestIdOf } from "./request-id.js";
export { type TracingOptions, tracingPlugin } from "./tracing.js";
