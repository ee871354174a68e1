import type { AuthStore } from "berth/store";

/**
 * Wraps a store to remember every id written through it, and reads back everything under
 * those ids, so a test can show that a refused request changed nothing stored.
 */
export function spyStore(inner: AuthStore): AuthStore & {
  snapshot(): Promise<Record<string, string>>;
} {
  const grants = new Set<string>();
  const codes = new Set<string>();
  const refresh = new Set<string>();
  const clients = new Set<string>();
  const consents = new Set<string>();
  const record = (method: string, args: any[]) => {
    if (method === "createGrant") {
      grants.add(args[0].id);
      codes.add(args[1].hash);
    } else if (method === "createRefreshToken") refresh.add(args[0].hash);
    else if (method === "rotateRefreshToken") {
      refresh.add(args[0]);
      refresh.add(args[3].hash);
    } else if (method === "createClient") clients.add(args[0].id);
    else if (method === "saveConsent")
      consents.add(`${args[0].userId}\n${args[0].clientId}\n${args[0].resource}`);
  };
  const snapshot = async () => {
    const state: Record<string, string> = {
      users: JSON.stringify(await inner.listUsers()),
      keys: JSON.stringify(await inner.listApiKeys()),
      signingKeys: JSON.stringify(await inner.listSigningKeys()),
    };
    for (const id of grants) state[`grant ${id}`] = JSON.stringify(await inner.getGrant(id));
    for (const hash of codes)
      state[`code ${hash}`] = JSON.stringify(await inner.findAuthorizationCode(hash));
    for (const hash of refresh)
      state[`refresh ${hash}`] = JSON.stringify(await inner.findRefreshToken(hash));
    for (const id of clients) state[`client ${id}`] = JSON.stringify(await inner.getClient(id));
    for (const pair of consents) {
      const [userId, clientId, resource] = pair.split("\n") as [string, string, string];
      state[`consent ${pair}`] = JSON.stringify(await inner.getConsent(userId, clientId, resource));
    }
    return state;
  };
  return new Proxy(inner, {
    get(target, property) {
      if (property === "snapshot") return snapshot;
      const value = (target as any)[property];
      if (typeof value !== "function") return value;
      return (...args: any[]) => {
        record(String(property), args);
        return value.apply(target, args);
      };
    },
  }) as AuthStore & { snapshot(): Promise<Record<string, string>> };
}

/** The keys whose stored values differ between two snapshots (ids new in `after` included). */
export function changedKeys(
  before: Record<string, string>,
  after: Record<string, string>,
): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...keys].filter((key) => (before[key] ?? "undefined") !== (after[key] ?? "undefined"));
}
