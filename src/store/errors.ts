import { InvalidParamsError } from "../errors.js";
import { StoreConflictError } from "./types.js";

/**
 * The refusals every store raises, worded once so that memory, SQLite and later stores
 * tell a user the same thing about the same mistake.
 */

/** Another user has this id. */
export function userIdTaken(id: string): StoreConflictError {
  return new StoreConflictError(`A user with id '${id}' already exists`);
}

/** Another user has this username, ignoring case. */
export function usernameTaken(username: string): StoreConflictError {
  return new StoreConflictError(
    `The username '${username}' is taken (usernames are compared ignoring case)`,
  );
}

/** Another API key has this id. */
export function apiKeyIdTaken(id: string): StoreConflictError {
  return new StoreConflictError(`An API key with id '${id}' already exists`);
}

/** The owner already has a key of this name. */
export function apiKeyNameTaken(ownerId: string, name: string): StoreConflictError {
  return new StoreConflictError(
    `User '${ownerId}' already has an API key named '${name}'; choose another name`,
  );
}

/** Another key has the same hash: the key itself was issued twice. */
export function apiKeyHashTaken(): StoreConflictError {
  // The hash is not echoed: it identifies a live key.
  return new StoreConflictError("An API key with the same hash already exists; issue a new key");
}

/** A key names an owner that is not a user. */
export function unknownApiKeyOwner(ownerId: string, name: string): InvalidParamsError {
  return new InvalidParamsError(
    `Cannot add API key '${name}': its ownerId '${ownerId}' is not the id of any user`,
  );
}
