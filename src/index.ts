/**
 * Berth: define an MCP server once; serve it over stdio and Streamable HTTP, in the
 * stateless 2026-07-28 protocol and the 2025-era session protocol alike.
 *
 * @example
 * import { createServer, serveHttp } from "berth";
 * import { z } from "zod";
 *
 * const server = createServer({ name: "dice", version: "1.0.0" });
 * server.tool("roll_dice", { input: z.object({ sides: z.number().int().min(2) }) }, ({ sides }) =>
 *   `You rolled ${1 + Math.floor(Math.random() * sides)}`,
 * );
 * await serveHttp(server, { port: 3000 });
 */
export {
  createFetchHandler,
  type FetchHandler,
  type FetchHandlerOptions,
} from "./adapters/fetch.js";
export {
  API_KEY_PREFIX,
  generateApiKey,
  hashApiKey,
  isApiKey,
  type NewApiKey,
} from "./auth/api-key.js";
export { type BearerChallenge, bearerChallenge } from "./auth/challenge.js";
export {
  type ExternalIssuer,
  type ExternalIssuerOptions,
  externalIssuer,
} from "./auth/external-issuer.js";
export { hashPassword, verifyPassword } from "./auth/password.js";
export {
  protectedResourceMetadataPath,
  ResourceServer,
  type ResourceServerOptions,
} from "./auth/resource-server.js";
export { AuthorizationServer } from "./auth/server/authorization-server.js";
export type { ClientMetadataDocumentOptions } from "./auth/server/client-metadata-document.js";
export type { PreRegisteredClient } from "./auth/server/clients.js";
export type { AuthEvent } from "./auth/server/events.js";
export { OAuthError, type OAuthErrorCode } from "./auth/server/oauth-error.js";
export type {
  AuthorizationServerLifetimes,
  AuthorizationServerOptions,
} from "./auth/server/options.js";
export { PasswordSignIn, type SignInResult, type SignInStep } from "./auth/server/sign-in-step.js";
export type { SigningKeys } from "./auth/server/signing-keys.js";
export type { SignInThrottleOptions } from "./auth/server/throttle.js";
export {
  ANONYMOUS,
  type HandlerContext,
  LOCAL,
  missingScopes,
  type Principal,
  type RequestLogger,
} from "./engine/context.js";
export type * from "./engine/definitions.js";
export {
  type CallEnd,
  type CallObserver,
  type CallOutcome,
  type CallStart,
  composeObservers,
} from "./engine/observer.js";
export type { Registration, ServerChange } from "./engine/registrations.js";
export type {
  CompiledSchema,
  Infer,
  JsonSchema,
  SchemaInput,
  StandardSchemaV1,
} from "./engine/schema.js";
export { APP_MIME_TYPE, createServer, Server, type ServerOptions } from "./engine/server.js";
export type * from "./engine/types.js";
export { UriTemplate } from "./engine/uri-template.js";
export * from "./errors.js";
export * from "./host/index.js";
export {
  applyListenerLimits,
  LISTENER_LIMIT_DEFAULTS,
  type ListenerLimits,
  type ListenerServerOptions,
  listenerOptions,
} from "./host/limits/listener.js";
export {
  MemoryRateLimitStore,
  type MemoryRateLimitStoreOptions,
} from "./host/limits/memory-rate-limit-store.js";
export { type RateLimitOptions, rateLimitPlugin } from "./host/limits/rate-limit.js";
export type { RateLimitStore } from "./host/limits/rate-limit-store.js";
export type { RateLimitRule } from "./host/limits/rules.js";
export {
  type BucketState,
  type RateLimitDecision,
  type TokenBucket,
  takeToken,
} from "./host/limits/token-bucket.js";
export * from "./host/observability/index.js";
export { LEGACY_VERSIONS, MODERN_VERSION, SUPPORTED_VERSIONS } from "./protocol/versions.js";
export type { CallerOptions } from "./transport/caller.js";
export {
  type EventStore,
  InMemoryEventStore,
  type InMemoryEventStoreOptions,
} from "./transport/http/event-store.js";
export {
  createHttpEndpoint,
  type HttpEndpoint,
  type HttpEndpointOptions,
} from "./transport/http/handler.js";
export {
  type RunningHttpServer,
  type ServeHttpOptions,
  serveHttp,
} from "./transport/http/serve.js";
export {
  createLegacySseEndpoint,
  type LegacySseEndpoint,
  type LegacySseEndpointOptions,
} from "./transport/sse-2024/endpoint.js";
export { type StdioConnection, type StdioOptions, serveStdio } from "./transport/stdio/stdio.js";
export {
  createWebSocketEndpoint,
  MCP_SUBPROTOCOL,
  type WebSocketEndpoint,
  type WebSocketEndpointOptions,
} from "./transport/websocket/endpoint.js";
