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

/** Another registered client has this id. */
export function clientIdTaken(id: string): StoreConflictError {
  return new StoreConflictError(`An OAuth client with id '${id}' already exists`);
}

/** Another grant has this id. */
export function grantIdTaken(id: string): StoreConflictError {
  return new StoreConflictError(`A grant with id '${id}' already exists`);
}

/** A grant names a user that does not exist. */
export function unknownGrantUser(grantId: string, userId: string): InvalidParamsError {
  return new InvalidParamsError(
    `Cannot add grant '${grantId}': its userId '${userId}' is not the id of any user`,
  );
}

/** The code handed to `createGrant` belongs to another grant than the one created with it. */
export function codeOfAnotherGrant(grantId: string, codeGrantId: string): InvalidParamsError {
  return new InvalidParamsError(
    `Cannot add grant '${grantId}': the authorization code given with it has grantId ` +
      `'${codeGrantId}'; a grant starts with a code of its own`,
  );
}

/** Another code has the same hash: the code itself was issued twice. */
export function authorizationCodeTaken(): StoreConflictError {
  // As with API keys, the hash is not echoed.
  return new StoreConflictError(
    "An authorization code with the same hash already exists; issue a new code",
  );
}

/** Another refresh token has the same hash: the token itself was issued twice. */
export function refreshTokenTaken(): StoreConflictError {
  return new StoreConflictError(
    "A refresh token with the same hash already exists; issue a new token",
  );
}

/** A refresh token names a grant that does not exist. */
export function unknownGrant(grantId: string): InvalidParamsError {
  return new InvalidParamsError(
    `Cannot add refresh token: its grantId '${grantId}' is not the id of any grant`,
  );
}

/** A consent names a user that does not exist. */
export function unknownConsentUser(userId: string, clientId: string): InvalidParamsError {
  return new InvalidParamsError(
    `Cannot save consent for client '${clientId}': its userId '${userId}' is not the id of any user`,
  );
}

/** Another signing key has this kid. */
export function signingKeyTaken(kid: string): StoreConflictError {
  return new StoreConflictError(`A signing key with kid '${kid}' already exists`);
}

/** A signing key whose JWKs are not JSON text. */
export function malformedSigningKey(kid: string): InvalidParamsError {
  return new InvalidParamsError(
    `Cannot add signing key '${kid}': its privateJwk and publicJwk must be JSON-serialised JWKs`,
  );
}
