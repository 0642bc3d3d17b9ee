import { formatTime, parseApiTime, useZoneMode } from "../time";
import type { Severity, Status } from "../types";

export function SeverityBadge({ severity }: { severity: Severity | undefined }) {
  if (!severity) return <span className="muted">—</span>;
  return <span className={`sev ${severity}`}>{severity}</span>;
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
