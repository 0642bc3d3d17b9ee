import { DAY_MS } from "../core/time.js";
/** Exponentially weighted mean and variance; `n` counts samples, the weight floors at `1 / maxN`. */
export interface EwStat {
  n: number;
  mean: number;
  variance: number;
}

export function emptyStat(): EwStat {
  return { n: 0, mean: 0, variance: 0 };
}

export function updateStat(s: EwStat, value: number, maxN: number): void {
  s.n++;
  const w = Math.max(1 / s.n, 1 / maxN);
  const diff = value - s.mean;
  const incr = w * diff;
  s.mean += incr;
  s.variance = (1 - w) * (s.variance + diff * incr);
}

export function median(values: readonly number[]): number {
  return medianOf(values.length, (i) => values[i]!);
}

/** Median absolute deviation, scaled (×1.4826) to estimate a standard deviation. */
export function madSigma(values: readonly number[], center: number): number {
  return 1.4826 * medianOf(values.length, (i) => Math.abs(values[i]! - center));
}

/** The median of `valueAt(0)` … `valueAt(n - 1)` (0 for none), without an array of them unless needed. */
function medianOf(n: number, valueAt: (i: number) => number): number {
  if (n === 0) return 0;
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = valueAt(i);
    if (!plainNumber(v))
      return middleOf(Array.from({ length: n }, (_, k) => valueAt(k)).sort((a, b) => a - b));
    s[i] = v;
  }
  return middleOf(s.sort());
}

/**
 * A typed array sorts numbers natively, several times faster than a comparator (a median is taken two or
 * three times for every interval every key closes). It orders the values a comparator `a - b` does, except
 * NaN and -0, which the comparator leaves where they were: values holding any go the comparator's way.
 */
function plainNumber(v: number): boolean {
  return !Number.isNaN(v) && (v !== 0 || 1 / v > 0);
}

function middleOf(s: ArrayLike<number>): number {
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Baseline {
  expected: number;
  spread: number;
  /**
   * `seasonal` (hour-of-day, with a day-of-week factor once known), `recent` (median/MAD), or `bursts`
   * (median/MAD of the intervals that had records, for a key that is silent most of the time).
   */
  kind: "seasonal" | "recent" | "bursts";
  /** Why this baseline, for the explanation (e.g. "seasonal profile still learning: 1.2 of 3 days"). */
  note: string;
}

export interface SeasonalHistory {
  recent: number[];
  hours: EwStat[];
  days: EwStat[];
  /**
   * Per UTC hour of the day, the highest count of an interval not reported as a spike, fading by
   * `PEAK_DAILY_DECAY` a day: what the key has been seen to do at this time of day.
   */
  peaks: number[];
  /** Closed intervals counted so far. */
  closed: number;
}

/**
 * The expected count for the interval starting at `start`: the hour-of-day profile (times a
 * day-of-week factor once two weeks are known) when the key has `seasonalDays` of history, else the
 * median of recent intervals. The spread never falls below the Poisson noise of the expected count,
 * so a quiet key is not alarmed by one extra record.
 */
export function baselineFor(
  h: SeasonalHistory,
  start: number,
  intervalMs: number,
  seasonalDays: number,
): Baseline {
  const perHour = Math.max(1, 3_600_000 / intervalMs);
  const days = (h.closed * intervalMs) / DAY_MS;
  const date = new Date(start);
  const hour = h.hours[date.getUTCHours()]!;
  if (days >= seasonalDays && hour.n >= seasonalDays * perHour * 0.5) {
    let factor = 1;
    let withDays = "";
    const day = h.days[date.getUTCDay()]!;
    const known = h.days.filter((d) => d.n >= 2 * 24 * perHour);
    if (known.length === 7 && day.n >= 2 * 24 * perHour) {
      const avg = known.reduce((a, d) => a + d.mean, 0) / 7;
      if (avg > 0) factor = day.mean / avg;
      withDays = ", day-of-week adjusted";
    }
    const expected = hour.mean * factor;
    const spread = Math.max(Math.sqrt(hour.variance) * factor, Math.sqrt(expected), 1);
    // The note is written when read: it is read only for a finding, and a baseline is taken for every
    // interval every key closes.
    return {
      expected,
      spread,
      kind: "seasonal",
      get note() {
        return `hour-of-day profile over ${days.toFixed(1)} days${withDays}`;
      },
    };
  }
  const expected = median(h.recent);
  const spread = Math.max(madSigma(h.recent, expected), Math.sqrt(expected), 1);
  const intervals = h.recent.length;
  return {
    expected,
    spread,
    kind: "recent",
    get note() {
      return `median of the last ${intervals} intervals (seasonal profile learning: ${days.toFixed(1)} of ${seasonalDays} days)`;
    },
  };
}

/** Whether a key is silent in at least half of its recent intervals: its records come in bursts. */
export function isSparse(recent: readonly number[]): boolean {
  // Median 0 (counts are never negative) is more than half of them 0; counted, not sorted: this runs on
  // every interval closed, gap fills included.
  let zeros = 0;
  for (const count of recent) if (count === 0) zeros++;
  return recent.length > 0 && zeros * 2 > recent.length;
}

/**
 * The baseline of a mostly silent key: the size of its bursts (intervals with records), so a burst is a
 * spike only when it is bigger than the key's usual bursts, not whenever it follows silence (against the
 * median of mostly empty intervals, 0, every burst of `minCount` records was a spike). Null until the key
 * has had `minBursts` bursts: before that nothing says how big its bursts are.
 */
export function burstBaseline(bursts: readonly number[], minBursts: number): Baseline | null {
  if (bursts.length < minBursts) return null;
  const expected = median(bursts);
  const spread = Math.max(madSigma(bursts, expected), Math.sqrt(expected), 1);
  return {
    expected,
    spread,
    kind: "bursts",
    note: `median of the last ${bursts.length} intervals with records (silent in most intervals)`,
  };
}

/**
 * The same minute of the hour in the last hours (`recent` ends with the interval just before the one
 * judged): cron jobs, scrapes and batch waves repeat there, and neither the median of recent intervals nor
 * an hour-of-day profile (which averages the hour's intervals) expects them. Null when the interval does
 * not divide an hour or fewer than two earlier hours are known.
 */
export function hourPhaseBaseline(recent: readonly number[], intervalMs: number): Baseline | null {
  const perHour = 3_600_000 / intervalMs;
  if (!Number.isInteger(perHour) || perHour < 2) return null;
  const same: number[] = [];
  for (let i = recent.length - perHour; i >= 0 && same.length < 4; i -= perHour) same.push(recent[i]!);
  if (same.length < 2) return null;
  const expected = median(same);
  const spread = Math.max(madSigma(same, expected), Math.sqrt(expected), 1);
  return {
    expected,
    spread,
    kind: "recent",
    note: `the same minutes of the hour over the last ${same.length} hours`,
  };
}

/** How much an hour's peak fades a day, whatever the interval: a one-off surge is forgotten in weeks. */
const PEAK_DAILY_DECAY = 0.9;

/** Learns an interval's count into its hour's peak (spikes are not learned: a flood is never "usual"). */
export function updatePeak(peaks: number[], start: number, count: number, intervalMs: number): void {
  const hour = new Date(start).getUTCHours();
  peaks[hour] = Math.max(peaks[hour]! * PEAK_DAILY_DECAY ** (intervalMs / 3_600_000), count);
}

/**
 * The highest count seen around this time of day (the hour and its neighbours, so a rhythm that shifts by
 * an hour is still known). Human-driven streams are bursty beyond what a mean and a spread describe: a
 * morning wave, a meeting's WiFi, a team's cron at the hour repeat at about the same size, so a spike must
 * also beat what the key has already done at this time.
 */
export function hourPeak(peaks: readonly number[], start: number): number {
  const hour = new Date(start).getUTCHours();
  return Math.max(peaks[(hour + 23) % 24]!, peaks[hour]!, peaks[(hour + 1) % 24]!);
}
