/**
 * Berth over Streamable HTTP behind its built-in authorization server, on the embedded
 * SQLite store (the production default) in a fresh temporary folder. One user and one API
 * key are created at start; the parent gets them with the ready message, signs the user in
 * through the real OAuth pages for a JWT (bench/lib/oauth.mjs), and loads with either.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AuthorizationServer,
  createServer,
  generateApiKey,
  hashPassword,
  serveHttp,
} from "../../dist/src/index.js";
import { openSqliteAuthStore } from "../../dist/src/store/index.js";
import { ready } from "./child.mjs";
import { ADD_INPUT, add, TOOL_NAME } from "./tool.mjs";

const SCOPE = "tools";
const USERNAME = "bench";
const PASSWORD = "bench-password-0123456789";
const CLIENT_ID = "berth-bench";
/** A public (native) client's loopback redirect; nothing listens there, the code is read off it. */
const REDIRECT_URI = "http://127.0.0.1:9/callback";

const dir = mkdtempSync(join(tmpdir(), "berth-bench-auth-"));
// However the process ends (stopped, or the parent gone), the database goes with it.
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const store = openSqliteAuthStore(join(dir, "berth.db"));

const now = Date.now();
const userId = randomUUID();
await store.createUser({
  id: userId,
  username: USERNAME,
  displayName: "Bench User",
  passwordHash: await hashPassword(PASSWORD),
  disabled: false,
  createdAt: now,
  updatedAt: now,
});
const { key, hash, prefix } = generateApiKey();
await store.createApiKey({
  id: randomUUID(),
  name: "bench",
  ownerId: userId,
  scopes: [SCOPE],
  hash,
  prefix,
  createdAt: now,
  expiresAt: null,
  lastUsedAt: null,
  revokedAt: null,
});

const oauth = new AuthorizationServer({
  store,
  scopesSupported: [SCOPE],
  clients: [{ clientId: CLIENT_ID, name: "Berth bench", redirectUris: [REDIRECT_URI] }],
});

const server = createServer({ name: "bench-berth", version: "1.0.0" });
server.tool(TOOL_NAME, { description: "Add two numbers", input: ADD_INPUT }, add);

const running = await serveHttp(server, {
  port: 0,
  host: "127.0.0.1",
  keepAliveMs: 0,
  authorizationServer: oauth,
});
ready({
  url: running.url.href,
  credentials: {
    apiKey: key,
    username: USERNAME,
    password: PASSWORD,
    clientId: CLIENT_ID,
    redirectUri: REDIRECT_URI,
    scope: SCOPE,
  },
  close: async () => {
    await running.close();
    await store.close();
  },
});
