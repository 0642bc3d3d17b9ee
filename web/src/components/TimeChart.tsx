import { navigate } from "../router";
import { formatTick, formatTime, useZoneMode, zoneLabel } from "../time";
import { SEVERITIES, type Severity } from "../types";

const COLORS: Record<Severity, string> = {
  low: "var(--low)",
  medium: "var(--medium)",
  high: "var(--high)",
  critical: "var(--critical)",
};

export interface Bucket {
  start: number;
  counts: Record<Severity, number>;
}

/**
 * Stacked bars per time bucket, one colour per severity; hand-rolled SVG (no chart library to ship).
 * With `hrefFor`, each bucket is a link (a full-height hit area) to what it counts, `[start, end)`.
 */
export function TimeChart({
  buckets,
  label,
  hrefFor,
}: {
  buckets: Bucket[];
  label: string;
  hrefFor?: ((start: number, end: number) => string) | undefined;
}) {
  const width = 720;
  const height = 200;
  const pad = { left: 34, right: 8, top: 8, bottom: 22 };
  const max = Math.max(1, ...buckets.map((b) => SEVERITIES.reduce((n, s) => n + b.counts[s], 0)));
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const bw = innerW / Math.max(1, buckets.length);
  const y = (v: number) => pad.top + innerH - (v / max) * innerH;
  const ticks = [0, Math.ceil(max / 2), max];
  const mode = useZoneMode();
  const span = (buckets.at(-1)?.start ?? 0) - (buckets[0]?.start ?? 0);
  const fmt = (t: number) => formatTick(t, span, mode);
  const step = buckets.length > 1 ? buckets[1]!.start - buckets[0]!.start : 0;
  return (
    <figure style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={label}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={pad.left} x2={width - pad.right} y1={y(t)} y2={y(t)} stroke="#e2e5eb" />
            <text x={pad.left - 6} y={y(t) + 4} fontSize="10" textAnchor="end" fill="#5d6678">
              {t}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          let acc = 0;
          const end = b.start + step;
          const title = `${formatTime(b.start, mode)}: ${SEVERITIES.map((s) => `${b.counts[s]} ${s}`).join(", ")}`;
          const href = hrefFor?.(b.start, end);
          return (
            <g key={b.start}>
              <title>{title}</title>
              {href && (
                // A link per bucket, full height so a thin or empty bar is easy to hit.
                <a
                  href={href}
                  aria-label={`Show these anomalies: ${title}`}
                  data-testid="time-bucket"
                  onClick={(e) => {
                    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                    e.preventDefault();
                    navigate(href);
                  }}
                >
                  <rect
                    x={pad.left + i * bw}
                    y={pad.top}
                    width={bw}
                    height={innerH}
                    fill="transparent"
                    style={{ cursor: "pointer" }}
                  />
                </a>
              )}
              {SEVERITIES.map((s) => {
                const v = b.counts[s];
                if (v === 0) return null;
                const top = y(acc + v);
                const h = y(acc) - top;
                acc += v;
                return (
                  <rect
                    key={s}
                    x={pad.left + i * bw + 1}
                    y={top}
                    width={Math.max(1, bw - 2)}
                    height={h}
                    fill={COLORS[s]}
                    pointerEvents="none"
                  />
                );
              })}
              {i % Math.ceil(buckets.length / 6) === 0 && (
                <text x={pad.left + i * bw} y={height - 6} fontSize="10" fill="#5d6678">
                  {fmt(b.start)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="legend">
        {SEVERITIES.map((s) => (
          <span key={s}>
            <i style={{ background: COLORS[s] }} />
            {s}
          </span>
        ))}
        <span className="muted">times in {zoneLabel(mode)}</span>
      </figcaption>
    </figure>
  );
}
