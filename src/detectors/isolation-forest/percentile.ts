/**
 * The q-th quantile (0 ≤ q ≤ 1) with linear interpolation between the two nearest ranks, exactly as
 * numpy's default `np.percentile(values, 100 * q)`, including numpy's lerp formula (it interpolates
 * from the nearer end, so the result is exact when it equals one of the two values).
 */
export function quantile(values: Float64Array, q: number): number {
  const n = values.length;
  if (n === 0) throw new RangeError("quantile of no values");
  const pos = q * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, n - 1);
  // Two order statistics by selection: O(n) instead of sorting a million scores.
  const work = Float64Array.from(values);
  const a = select(work, lo);
  const b = hi === lo ? a : minFrom(work, lo + 1);
  const t = pos - lo;
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** Smallest value in `v[from..]` (after `select(v, from - 1)` that is the next order statistic). */
function minFrom(v: Float64Array, from: number): number {
  let m = v[from]!;
  for (let i = from + 1; i < v.length; i++) if (v[i]! < m) m = v[i]!;
  return m;
}

/** Hoare's quickselect: rearranges `v` so `v[k]` is the k-th smallest and everything after is ≥ it. */
function select(v: Float64Array, k: number): number {
  let left = 0;
  let right = v.length - 1;
  while (right > left) {
    const pivot = v[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (v[i]! < pivot) i++;
      while (v[j]! > pivot) j--;
      if (i <= j) {
        const x = v[i]!;
        v[i++] = v[j]!;
        v[j--] = x;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return v[k]!;
}
