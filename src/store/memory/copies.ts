/**
 * Copies of stored records, so the memory store never shares an object with its callers.
 */
import type {
  ApiKeyRecord,
  AuthorizationCodeRecord,
  ConsentRecord,
  GrantRecord,
  OAuthClientRecord,
  RefreshTokenRecord,
  SigningKeyRecord,
  UserRecord,
} from "../types.js";

/** A user record, copied deeply enough that changing one never changes the other. */
export function copyUser(user: UserRecord): UserRecord {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    passwordHash: user.passwordHash,
    disabled: user.disabled,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
  };
}

/** An API key record, copied deeply enough that changing one never changes the other. */
export function copyKey(key: ApiKeyRecord): ApiKeyRecord {
  return {
    id: key.id,
    name: key.name,
    ownerId: key.ownerId,
    scopes: [...key.scopes],
    hash: key.hash,
    prefix: key.prefix,
    createdAt: key.createdAt,
    expiresAt: key.expiresAt,
    lastUsedAt: key.lastUsedAt,
    revokedAt: key.revokedAt,
  };
}

/** A registered client record, copied deeply enough that changing one never changes the other. */
export function copyClient(client: OAuthClientRecord): OAuthClientRecord {
  return {
    id: client.id,
    secretHash: client.secretHash,
    // Through JSON, as the SQL stores keep it: a deep copy, and the same values come back.
    metadata: JSON.parse(JSON.stringify(client.metadata)),
    createdAt: client.createdAt,
  };
}

/** A grant record, copied deeply enough that changing one never changes the other. */
export function copyGrant(grant: GrantRecord): GrantRecord {
  return {
    id: grant.id,
    userId: grant.userId,
    clientId: grant.clientId,
    scopes: [...grant.scopes],
    resource: grant.resource,
    createdAt: grant.createdAt,
    revokedAt: grant.revokedAt,
  };
}

/** An authorization code record, copied deeply enough that changing one never changes the other. */
export function copyCode(code: AuthorizationCodeRecord): AuthorizationCodeRecord {
  return {
    hash: code.hash,
    grantId: code.grantId,
    redirectUri: code.redirectUri,
    codeChallenge: code.codeChallenge,
    createdAt: code.createdAt,
    expiresAt: code.expiresAt,
    usedAt: code.usedAt,
  };
}

/** A refresh token record, copied deeply enough that changing one never changes the other. */
export function copyRefreshToken(token: RefreshTokenRecord): RefreshTokenRecord {
  return {
    hash: token.hash,
    grantId: token.grantId,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    rotatedAt: token.rotatedAt,
  };
}

/** A consent record, copied deeply enough that changing one never changes the other. */
export function copyConsent(consent: ConsentRecord): ConsentRecord {
  return {
    userId: consent.userId,
    clientId: consent.clientId,
    resource: consent.resource,
    scopes: [...consent.scopes],
    grantedAt: consent.grantedAt,
  };
}

/** A signing key record, copied deeply enough that changing one never changes the other. */
export function copySigningKey(key: SigningKeyRecord): SigningKeyRecord {
  return {
    kid: key.kid,
    alg: key.alg,
    privateJwk: key.privateJwk,
    publicJwk: key.publicJwk,
    createdAt: key.createdAt,
    retiredAt: key.retiredAt,
  };
}

/** One key per (user, client) pair; JSON keeps ids containing any separator apart. */
