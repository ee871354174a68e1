import type { Migration } from "../migrate.js";

/**
 * Consent names its resource: allowing a client on one server says nothing about another
 * mounted on the same host. Consents stored before name no resource, so they are dropped
 * and users are asked once more.
 */
export const consentPerResource: Migration = {
  version: 3,
  name: "consent per resource",
  sql: `
    DROP TABLE consents;

    CREATE TABLE consents (
      user_id    TEXT NOT NULL REFERENCES users (id),
      client_id  TEXT NOT NULL,
      resource   TEXT NOT NULL,
      scopes     TEXT NOT NULL CHECK (json_valid(scopes)),
      granted_at INTEGER NOT NULL,
      PRIMARY KEY (user_id, client_id, resource)
    );
  `,
};
