/** Small statistics helpers. */

/**
 * The `q` quantile (0..1) of `values`, nearest-rank; sorts `values` in place.
 *
 * @param {number[]} values
 * @param {number} q
 */
export function percentile(values, q) {
  if (values.length === 0) return Number.NaN;
  values.sort((a, b) => a - b);
  const rank = Math.min(values.length - 1, Math.max(0, Math.ceil(q * values.length) - 1));
  return values[rank];
}

/**
 * The median of `values` (the mean of the middle two for an even count); NaN when empty.
 *
 * @param {number[]} values
 */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
