import { Random } from "../../../src/detectors/isolation-forest/random.js";

/** Rows of independent standard normals (Box–Muller on the seeded generator). */
export function gaussianRows(n: number, nCols: number, seed: number): number[][] {
  const rng = new Random(seed);
  const normal = (): number => {
    const u = 1 - rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextDouble());
  };
  return Array.from({ length: n }, () => Array.from({ length: nCols }, normal));
}

/** numpy's default percentile (linear interpolation), via a full sort — the slow, obvious version. */
export function numpyPercentile(values: ArrayLike<number>, p: number): number {
  const s = Array.from(values).sort((a, b) => a - b);
  const pos = (p / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}
