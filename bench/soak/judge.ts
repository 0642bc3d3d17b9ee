/**
 * The soak's verdict on one sampled series: did its growth level off? Memory climbs while caches, the
 * template miner and the JIT warm up, then should hold; a leak keeps climbing. So only the second half of
 * the run is judged: its robust slope (Theil–Sen, the median of all pairwise slopes, so a garbage
 * collection landing between two samples moves it little) times its duration is the growth the second half
 * shows, and that must stay within a stated tolerance.
 */

export interface Point {
  /** Seconds since the steady load started. */
  t: number;
  v: number;
}

/** How much a judged series may still grow over the second half of the run. */
export interface Tolerance {
  /** Allowed growth in the series' unit, whatever its level (so small series are not judged on noise). */
  absolute: number;
  /** Allowed growth as a fraction of the second half's median level. */
  fraction: number;
}

export interface LevelVerdict {
  /** Units per minute over the first half (warm-up included): for comparison only. */
  earlySlopePerMin: number;
  /** Units per minute over the second half: the judged slope. */
  lateSlopePerMin: number;
  /** lateSlope × the second half's duration. */
  lateGrowth: number;
  /** max(absolute, fraction × median of the second half). */
  allowedGrowth: number;
  leveled: boolean;
}

/** Fewer points than this and there is no second half worth a slope: the judge refuses. */
export const MIN_POINTS = 6;

export function judgeLevelling(points: readonly Point[], tolerance: Tolerance): LevelVerdict {
  if (points.length < MIN_POINTS)
    throw new Error(`need at least ${MIN_POINTS} samples to judge growth, got ${points.length}`);
  const half = Math.floor(points.length / 2);
  const early = points.slice(0, half + 1);
  const late = points.slice(half);
  const lateSlope = theilSenSlope(late);
  const lateSecs = late[late.length - 1]!.t - late[0]!.t;
  const lateGrowth = lateSlope * lateSecs;
  const allowedGrowth = Math.max(tolerance.absolute, tolerance.fraction * median(late.map((p) => p.v)));
  return {
    earlySlopePerMin: theilSenSlope(early) * 60,
    lateSlopePerMin: lateSlope * 60,
    lateGrowth,
    allowedGrowth,
    leveled: lateGrowth <= allowedGrowth,
  };
}

/** Median of the slopes between every pair of points (per second). */
export function theilSenSlope(points: readonly Point[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < points.length; i++)
    for (let j = i + 1; j < points.length; j++) {
      const dt = points[j]!.t - points[i]!.t;
      if (dt > 0) slopes.push((points[j]!.v - points[i]!.v) / dt);
    }
  return slopes.length ? median(slopes) : 0;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Each point replaced by the lowest value within the `windowSecs` before it (itself included): the floor a
 * sawtooth series (heap used between collections) returns to, which is what grows when memory leaks.
 */
export function rollingFloor(points: readonly Point[], windowSecs: number): Point[] {
  return points.map((p, i) => {
    let v = p.v;
    for (let j = i - 1; j >= 0 && points[j]!.t >= p.t - windowSecs; j--) v = Math.min(v, points[j]!.v);
    return { t: p.t, v };
  });
}
