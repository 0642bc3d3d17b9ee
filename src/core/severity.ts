/** Logwarden's one severity scale for anomalies, incidents and alerts (contracts §6.3 C11). */
export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value);
}

/**
 * The one severity policy: the lowest 0–1 score of each severity. Every detector's score maps through it,
 * so the same score means the same severity whichever detector raised it.
 */
const SEVERITY_FLOORS: Record<Severity, number> = { low: 0, medium: 0.6, high: 0.85, critical: 0.95 };

/** The lowest score that maps to `severity`. */
export function severityFloor(severity: Severity): number {
  return SEVERITY_FLOORS[severity];
}

/**
 * The highest score of a finding raised while its detector is still learning what normal is for the key
 * (its warm-up): just under high, so warm-up findings are at most medium. A baseline of a few hours is a
 * guess, and a guess should not page anyone or reach triage; the finding says it is from warm-up.
 */
export const WARMUP_MAX_SCORE = SEVERITY_FLOORS.high - 0.0001;

/** Maps a 0–1 anomaly score to a severity. */
export function severityFromScore(score: number): Severity {
  if (score >= SEVERITY_FLOORS.critical) return "critical";
  if (score >= SEVERITY_FLOORS.high) return "high";
  if (score >= SEVERITY_FLOORS.medium) return "medium";
  return "low";
}

/**
 * OpenTelemetry severity numbers: TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR 17–20, FATAL 21–24;
 * 0 means unspecified.
 */
const LEVEL_NUMBERS: Record<string, number> = {
  trace: 1,
  debug: 5,
  info: 9,
  information: 9,
  informational: 9,
  notice: 10,
  warn: 13,
  warning: 13,
  error: 17,
  err: 17,
  severe: 17,
  crit: 18,
  critical: 18,
  alert: 19,
  emerg: 21,
  emergency: 21,
  fatal: 21,
  panic: 21,
};

/**
 * The level words as they are usually written (lower, UPPER and Capitalised case), looked up before
 * lower-casing: a log line's level costs one look-up instead of a new string and a look-up, once per
 * ingested line (about 5 % of decoding a system 004 log).
 */
const LEVEL_SPELLINGS = new Map<string, number>(
  Object.entries(LEVEL_NUMBERS).flatMap(([word, n]) => [
    [word, n],
    [word.toUpperCase(), n],
    [word[0]!.toUpperCase() + word.slice(1), n],
  ]),
);

/** Maps a level word (any case) to an OpenTelemetry severity number; 0 when unknown. */
export function severityNumberOf(level: string | null | undefined): number {
  if (!level) return 0;
  // A Map, not the object: `constructor` or `__proto__` must not find Object.prototype's members.
  return LEVEL_SPELLINGS.get(level) ?? LEVEL_SPELLINGS.get(level.toLowerCase()) ?? 0;
}

export const ERROR_SEVERITY_NUMBER = 17;
/**
 * CRITICAL and above (`crit` 18, `alert` 19, FATAL/EMERGENCY/PANIC 21): a process saying it is failing
 * badly, which the severe-event detector judges from the first line.
 */
export const SEVERE_SEVERITY_NUMBER = 18;
export const FATAL_SEVERITY_NUMBER = 21;
