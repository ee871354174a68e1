/**
 * The host: one listener serving several MCP servers from a config file, each with its own
 * authorization, plus health, lifecycle and the operations plugins.
 */
export { ConfigError } from "./config/config-error.js";
export {
  type AuditConfig,
  type AuthorizationConfig,
  type BerthConfig,
  defineConfig,
  type LimitsConfig,
  type ListenConfig,
  type LoggingConfig,
  type MetricsConfig,
  type MountAuth,
  type MountAuthConfig,
  type MountConfig,
  type MountTransportsConfig,
  type RateLimitRuleConfig,
  type RateLimitsConfig,
  type ShutdownConfig,
  type TracingConfig,
} from "./config/define-config.js";
export { CONFIG_FILE_NAMES, findConfigFile, type LoadedConfig, loadConfig } from "./config/load.js";
export { validateConfig } from "./config/validate.js";
export { type HostMount, type RunningHost, type StartHostOptions, startHost } from "./host.js";
export type {
  Admission,
  HostPlugin,
  MountInfo,
  ReadinessCheck,
  RouteHandler,
} from "./plugin.js";
export { composeAdmissions } from "./plugins.js";
