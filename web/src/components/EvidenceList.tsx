import { formatTime, useZoneMode } from "../time";
import type { EvidenceRecord } from "../types";

interface Group {
  key: string;
  newest: EvidenceRecord;
  first: string;
  count: number;
}

/**
 * Evidence lines, a line repeated under one template (or with the same text) shown once with its count
 * and time span: a burst of forty identical failures reads as one line ×40, not forty.
 */
export function EvidenceList({ records }: { records: EvidenceRecord[] }) {
  const mode = useZoneMode();
  const groups = new Map<string, Group>();
  for (const r of records) {
    const key = `${r.service}\u0000${r.template_id ?? r.message}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { key, newest: r, first: r.timestamp, count: 1 });
    else {
      g.count++;
      if (r.timestamp >= g.newest.timestamp) g.newest = r;
      if (r.timestamp < g.first) g.first = r.timestamp;
    }
  }
  return (
    <ul className="evidence">
      {[...groups.values()].map(({ key, newest: r, first, count }) => (
        <li key={key} className="mono" data-testid="evidence-line">
          <span className="muted">
            {formatTime(count > 1 ? first : r.timestamp, mode)}
            {count > 1 && ` → ${formatTime(r.timestamp, mode)}`}
          </span>{" "}
          {r.service} {r.level && <strong>{r.level}</strong>} {r.message}
          {count > 1 && (
            <span className="count-badge" title={`${count} lines of this template; the newest is shown`}>
              {" "}
              ×{count}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}
