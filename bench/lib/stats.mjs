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

/**
 * @typedef {object} MedianInterval
 * @property {number} low
 * @property {number} high
 * @property {number} level How likely the interval is to hold the true median (0..1).
 */

/**
 * A distribution-free confidence interval for the median of `values`: the narrowest pair
 * of order statistics, k-th smallest and k-th largest, that holds the median with at least
 * `level` probability (binomial with p = 1/2). With too few values for `level`, the whole
 * range, with the lower level it has. Undefined when `values` is empty.
 *
 * @example
 * medianInterval([0.81, 0.9, 0.86, 0.79, 0.88]); // { low: 0.79, high: 0.9, level: 0.9375 }
 *
 * @param {number[]} values
 * @param {number} [level]
 * @returns {MedianInterval | undefined}
 */
export function medianInterval(values, level = 0.9) {
  const n = values.length;
  if (n === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  // below[j]: P(Bin(n, 1/2) <= j), the chance that at most j values fall under the median.
  const below = [];
  let term = 0.5 ** n;
  let sum = 0;
  for (let j = 0; j < n; j++) {
    sum += term;
    below.push(sum);
    term = (term * (n - j)) / (j + 1);
  }
  let k = 1;
  while (k < Math.ceil(n / 2) && 1 - 2 * below[k] >= level) k++;
  return { low: sorted[k - 1], high: sorted[n - k], level: n === 1 ? 0 : 1 - 2 * below[k - 1] };
}
