/**
 * `npm start`: the demo host on the embedded SQLite store under `.berth-demo/` (or
 * BERTH_DATA_DIR; BERTH_STORE_URL picks another store), on PORT (3000) and HOST (127.0.0.1).
 */
import { openAuthStore } from "berth/store";
import { startDemoHost } from "./demo-host.js";
import { DEMO_USERS } from "./demo-users.js";

const store = await openAuthStore(
  process.env["BERTH_STORE_URL"],
  process.env["BERTH_DATA_DIR"] ?? ".berth-demo",
);
const { running } = await startDemoHost({
  store,
  port: Number(process.env["PORT"] ?? 3000),
  host: process.env["HOST"] ?? "127.0.0.1",
});
const users = DEMO_USERS.map((user) => `${user.username} / ${user.password}`).join(", ");
const config = { mcpServers: { "berth-demo": { type: "http", url: running.url.href } } };
process.stderr.write(
  `Berth demo is serving MCP at ${running.url.href} with sign-in on.\n` +
    `Demo users (for this demo only): ${users}\n` +
    `Client configuration:\n${JSON.stringify(config, null, 2)}\n`,
);
const stop = () => {
  running.close().then(() => store.close().then(() => process.exit(0)));
};
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
