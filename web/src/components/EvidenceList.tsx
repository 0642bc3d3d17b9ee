import { matchTemplate } from "../template-match";
import { formatTime, useZoneMode } from "../time";
import type { EvidenceRecord } from "../types";

interface Group {
  key: string;
  newest: EvidenceRecord;
  first: string;
  count: number;
  all: EvidenceRecord[];
}

/**
 * Evidence lines, a line repeated under one template (or with the same text) shown once with its count
 * and time span: a burst of forty identical failures reads as one line ×40, not forty.
 */
export function EvidenceList({ records, template }: { records: EvidenceRecord[]; template?: string | null }) {
  const mode = useZoneMode();
  const groups = new Map<string, Group>();
  for (const r of records) {
    // Lines mined before their template generalised carry older template ids: a line that fits the
    // anomaly's (current) template is grouped under it.
    const shape = template && matchTemplate(template, r.message) ? template : (r.template_id ?? r.message);
    const key = `${r.service}\u0000${shape}`;
    const g = groups.get(key);
    if (!g) groups.set(key, { key, newest: r, first: r.timestamp, count: 1, all: [r] });
    else {
      g.count++;
      g.all.push(r);
      if (r.timestamp >= g.newest.timestamp) g.newest = r;
      if (r.timestamp < g.first) g.first = r.timestamp;
    }
  }
  return (
    <ul className="evidence">
      {[...groups.values()].map(({ key, newest: r, first, count, all }) => (
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
          {count > 1 && (
            <details>
              <summary className="muted">All {count} lines</summary>
              <ul>
                {all.map((x) => (
                  <li key={x.id}>
                    <span className="muted">{formatTime(x.timestamp, mode)}</span> {x.message}
                  </li>
                ))}
              </ul>
            </details>
          )}
        </li>
      ))}
    </ul>
  );
}
