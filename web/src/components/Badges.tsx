import type { Severity, Status } from "../types";

export function SeverityBadge({ severity }: { severity: Severity | undefined }) {
  if (!severity) return <span className="muted">—</span>;
  return <span className={`sev ${severity}`}>{severity}</span>;
}

export function StatusBadge({ status }: { status: Status | undefined }) {
  if (!status) return <span className="muted">—</span>;
  return <span className={`status ${status}`}>{status.replace("_", " ")}</span>;
}

export function Time({ iso }: { iso: string }) {
  // The list route gives UTC without a zone (system 000's form); say so to Date.
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
  return (
    <time dateTime={d.toISOString()} title={d.toISOString()}>
      {d.toLocaleString()}
    </time>
  );
}
