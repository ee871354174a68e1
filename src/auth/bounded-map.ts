/**
 * Set `key` in `map`, first dropping the oldest entry when the map already holds `limit`
 * others: a cache or counter that an attacker can feed stays bounded. A Map iterates in
 * insertion order, so the first key is the oldest.
 */
export function setBounded<K, V>(map: Map<K, V>, key: K, value: V, limit: number): void {
  if (!map.has(key) && map.size >= limit) map.delete(map.keys().next().value as K);
  map.set(key, value);
}
