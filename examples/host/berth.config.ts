/**
 * A host with three servers and three policies. After `npm run build`:
 *
 *   npx berth users add ann --data-dir examples/host/.berth
 *   npx berth keys create ci --user ann --scope team --data-dir examples/host/.berth
 *   npx berth serve --config examples/host/berth.config.ts
 *
 * (the store is `.berth/berth.db` next to this file). docs/configuration.md has every key.
 */
import { defineConfig } from "berth";
import { server as admin } from "./admin.js";
import { server as notes } from "./notes.js";
import { server as team } from "./team.js";

export default defineConfig({
  listen: { port: 3000 },
  authorization: {
    serverName: "Example host",
    scopeDescriptions: { team: "use the team's tools" },
  },
  servers: {
    // Anyone who can reach the listener (loopback only, unless allowUnauthenticatedRemote).
    notes: { server: notes, aliases: ["/mcp"] },
    // Sign-in through the built-in OAuth server, or an API key; either way with scope `team`.
    team: { server: team, auth: { oauth: true, apiKeys: true, scopes: ["team"] } },
    // API keys with scope `admin`; no sign-in.
    admin: { server: admin, auth: { apiKeys: true, scopes: ["admin"] } },
  },
  metrics: {},
  logging: { format: "pretty" },
  shutdown: { drainSeconds: 10 },
});
