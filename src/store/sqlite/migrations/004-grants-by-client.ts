import type { Migration } from "../migrate.js";

/**
 * Grants found by client: the purge of registered clients that never got a grant asks,
 * for each old client, whether any grant names it.
 */
export const grantsByClient: Migration = {
  version: 4,
  name: "grants by client",
  sql: `
    CREATE INDEX grants_client_id ON grants (client_id);
  `,
};
