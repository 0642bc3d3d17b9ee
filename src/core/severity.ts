/** Logwarden's one severity scale for anomalies, incidents and alerts (contracts §6.3 C11). */
export const SEVERITIES = ["low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === "string" && (SEVERITIES as readonly string[]).includes(value);
}

/** Default mapping from a 0–1 anomaly score to a severity. */
export function severityFromScore(score: number): Severity {
  if (score >= 0.95) return "critical";
  if (score >= 0.85) return "high";
  if (score >= 0.6) return "medium";
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
  return LEVEL_NUMBERS[level.toLowerCase()] ?? 0;
}

export const ERROR_SEVERITY_NUMBER = 17;
