import { formatTime, parseApiTime, useZoneMode } from "../time";
import type { Severity, Status } from "../types";

/**
 * The one severity policy of the dashboard: the words anomalies, alerts (system 001, Wazuh, Suricata),
 * incidents and threat intel use, mapped onto the four levels, so a level has one label and one colour
 * on every page.
 */
const SEVERITY_WORDS: Record<string, Severity> = {
  low: "low",
  info: "low",
  informational: "low",
  notice: "low",
  medium: "medium",
  moderate: "medium",
  warn: "medium",
  warning: "medium",
  high: "high",
  error: "high",
  critical: "critical",
  crit: "critical",
  fatal: "critical",
};

export function toSeverity(word: string | null | undefined): Severity | undefined {
  return word ? SEVERITY_WORDS[word.trim().toLowerCase()] : undefined;
}

/** A severity badge for any of the words above; an unknown or missing one shows a dash. */
export function SeverityBadge({ severity }: { severity: string | null | undefined }) {
  const level = toSeverity(severity);
  if (!level) return <span className="muted">—</span>;
  return (
    <span className={`sev ${level}`} title={severity !== level ? `${severity}` : undefined}>
      {level}
    </span>
  );
}

export function StatusBadge({ status }: { status: Status | undefined }) {
  if (!status) return <span className="muted">—</span>;
  return <span className={`status ${status}`}>{status.replace("_", " ")}</span>;
}

/** A time in the user's zone choice (web/src/time.ts), the exact UTC instant on hover. */
export function Time({ iso }: { iso: string }) {
  const mode = useZoneMode();
  const ms = parseApiTime(iso);
  if (!Number.isFinite(ms)) return <span>{iso}</span>;
  const utc = new Date(ms).toISOString();
  return (
    <time dateTime={utc} title={utc}>
      {formatTime(ms, mode)}
    </time>
  );
}
