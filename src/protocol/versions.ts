/** The stateless protocol revision. */
export const MODERN_VERSION = "2026-07-28";

/** Session-based revisions served through `initialize`, newest first. */
export const LEGACY_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"] as const;

/** Every revision Berth speaks, newest first. */
export const SUPPORTED_VERSIONS: readonly string[] = [MODERN_VERSION, ...LEGACY_VERSIONS];

/** Reserved `_meta` keys of the 2026-07-28 revision. */
export const META = {
  protocolVersion: "io.modelcontextprotocol/protocolVersion",
  clientCapabilities: "io.modelcontextprotocol/clientCapabilities",
  clientInfo: "io.modelcontextprotocol/clientInfo",
  logLevel: "io.modelcontextprotocol/logLevel",
  serverInfo: "io.modelcontextprotocol/serverInfo",
  subscriptionId: "io.modelcontextprotocol/subscriptionId",
} as const;

/** True for revisions that use the stateless 2026 wire format. */
export function isModernVersion(version: string | undefined): boolean {
  return version !== undefined && version >= MODERN_VERSION && /^\d{4}-\d{2}-\d{2}$/.test(version);
}
