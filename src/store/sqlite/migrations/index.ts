import type { Migration } from "../migrate.js";
import { usersAndApiKeys } from "./001-users-and-api-keys.js";
import { oauth } from "./002-oauth.js";
import { consentPerResource } from "./003-consent-per-resource.js";
import { grantsByClient } from "./004-grants-by-client.js";

/**
 * Every migration of the SQLite schema, in order. Append new ones with the next version
 * number; never edit one that has shipped, since databases already carry its result.
 */
export const MIGRATIONS: readonly Migration[] = [
  usersAndApiKeys,
  oauth,
  consentPerResource,
  grantsByClient,
];
