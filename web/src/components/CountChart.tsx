import type { KeyboardEvent } from "react";
import { formatDuration } from "../duration";
import { formatTick, formatTime, useZoneMode, zoneLabel } from "../time";

export interface CountBucket {
  /** Epoch ms of the bucket's start. */
  start: number;
  count: number;
}

/**
 * Counts over time as bars (the log histogram, a stream's volume around a finding); hand-rolled SVG like
 * TimeChart. `mark` highlights one time (a finding's interval); `onPick` makes each bar a button that
 * narrows the range to it.
 */
export function CountChart({
  buckets,
  intervalMs,
  label,
  mark,
  onPick,
  pickLabel = "Zoom in",
  height = 140,
}: {
  buckets: CountBucket[];
  intervalMs: number;
  label: string;
  mark?: number | undefined;
  onPick?: ((from: number, to: number) => void) | undefined;
  /** What picking a bar does, for its accessible name and the caption ("Zoom in"). */
  pickLabel?: string;
  height?: number;
}) {
  const mode = useZoneMode();
  const width = 720;
  const pad = { left: 40, right: 8, top: 8, bottom: 22 };
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const innerW = width - pad.left - pad.right;
  const innerH = height - pad.top - pad.bottom;
  const bw = innerW / Math.max(1, buckets.length);
  const y = (v: number) => pad.top + innerH - (v / max) * innerH;
  const span = (buckets.at(-1)?.start ?? 0) + intervalMs - (buckets[0]?.start ?? 0);
  const every = Math.max(1, Math.ceil(buckets.length / 6));
  return (
    <figure style={{ margin: 0 }}>
      <svg viewBox={`0 0 ${width} ${height}`} width="100%" role="img" aria-label={label}>
        {[0, Math.ceil(max / 2), max].map((t) => (
          <g key={t}>
            <line x1={pad.left} x2={width - pad.right} y1={y(t)} y2={y(t)} stroke="#e2e5eb" />
            <text x={pad.left - 6} y={y(t) + 4} fontSize="10" textAnchor="end" fill="#5d6678">
              {t.toLocaleString()}
            </text>
          </g>
        ))}
        {buckets.map((b, i) => {
          const marked = mark !== undefined && mark >= b.start && mark < b.start + intervalMs;
          const title = `${formatTime(b.start, mode)} – ${formatTime(b.start + intervalMs, mode)}: ${b.count.toLocaleString()} lines`;
          return (
            <g key={b.start}>
              {/* Full-height hit area, so an empty bucket can be picked too. */}
              <rect
                data-testid="count-bar"
                data-count={b.count}
                x={pad.left + i * bw}
                y={pad.top}
                width={bw}
                height={innerH}
                fill={marked ? "rgba(224, 49, 49, 0.12)" : "transparent"}
                style={onPick ? { cursor: pickLabel === "Zoom in" ? "zoom-in" : "pointer" } : undefined}
                {...(onPick
                  ? {
                      role: "button",
                      tabIndex: 0,
                      "aria-label": `${pickLabel}: ${title}`,
                      onClick: () => onPick(b.start, b.start + intervalMs),
                      onKeyDown: (e: KeyboardEvent<SVGRectElement>) => {
                        if (e.key === "Enter" || e.key === " ") onPick(b.start, b.start + intervalMs);
                      },
                    }
                  : {})}
              >
                <title>{title}</title>
              </rect>
              {b.count > 0 && (
                <rect
                  x={pad.left + i * bw + (bw > 3 ? 0.5 : 0)}
                  y={y(b.count)}
                  width={Math.max(1, bw - (bw > 3 ? 1 : 0))}
                  height={y(0) - y(b.count)}
                  fill={marked ? "var(--critical)" : "var(--accent)"}
                  pointerEvents="none"
                />
              )}
              {i % every === 0 && (
                <text x={pad.left + i * bw} y={height - 6} fontSize="10" fill="#5d6678">
                  {formatTick(b.start, span, mode)}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption className="muted" style={{ fontSize: 12 }}>
        One bar per {formatDuration(intervalMs / 1000)}; times in {zoneLabel(mode)}
        {onPick ? `; click a bar: ${pickLabel.toLowerCase()}` : ""}
      </figcaption>
    </figure>
  );
}
