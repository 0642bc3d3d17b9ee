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

/** Maps a level word (any case) to an OpenTelemetry severity number; 0 when unknown. */
export function severityNumberOf(level: string | null | undefined): number {
  if (!level) return 0;
  // Own keys only: `constructor` or `__proto__` would find Object.prototype's members, not a number.
  const word = level.toLowerCase();
  return Object.hasOwn(LEVEL_NUMBERS, word) ? LEVEL_NUMBERS[word]! : 0;
}

export const ERROR_SEVERITY_NUMBER = 17;
