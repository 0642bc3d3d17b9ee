/**
 * The time range every time-based page shares, kept in the URL (shareable, back button works):
 * a relative preset (`range=24h`), everything stored (`range=all`), or absolute (`from=…&to=…`, ISO UTC).
 */
export const PRESETS = {
  "15m": { ms: 15 * 60_000, label: "Last 15 minutes" },
  "1h": { ms: 3_600_000, label: "Last hour" },
  "24h": { ms: 86_400_000, label: "Last 24 hours" },
  "7d": { ms: 7 * 86_400_000, label: "Last 7 days" },
  "30d": { ms: 30 * 86_400_000, label: "Last 30 days" },
} as const;
export type Preset = keyof typeof PRESETS;

export type TimeRange =
  | { kind: "preset"; preset: Preset }
  | { kind: "all" }
  | { kind: "absolute"; from: number; to: number };

/** The range in `query`, else `fallback`; an unreadable absolute range falls back too. */
export function rangeFrom(query: URLSearchParams, fallback: TimeRange): TimeRange {
  const from = Date.parse(query.get("from") ?? "");
  const to = Date.parse(query.get("to") ?? "");
  if (Number.isFinite(from) && Number.isFinite(to) && to > from) return { kind: "absolute", from, to };
  const r = query.get("range");
  if (r === "all") return { kind: "all" };
  if (r && r in PRESETS) return { kind: "preset", preset: r as Preset };
  return fallback;
}

/**
 * What a link made before the range picker meant by its `since`/`until` (epoch ms, NaN when absent): an
 * absolute range with an open end filled (the start of time, or a day from now), or all data when neither.
 * A page passes it to `rangeFrom` as the fallback, so the old links keep working.
 */
export function rangeFromBounds(since: number, until: number, now = Date.now()): TimeRange {
  if (!Number.isFinite(since) && !Number.isFinite(until)) return { kind: "all" };
  return {
    kind: "absolute",
    from: Number.isFinite(since) ? since : 0,
    to: Number.isFinite(until) ? until : now + 86_400_000,
  };
}

/** Epoch-ms bounds at `now` (open ends are undefined: "all" has none). */
export function bounds(range: TimeRange, now = Date.now()): { since?: number; until?: number } {
  if (range.kind === "all") return {};
  if (range.kind === "absolute") return { since: range.from, until: range.to };
  return { since: now - PRESETS[range.preset].ms };
}

/** Writes the range into URL parameters (replacing any previous one). */
export function setRangeParams(p: URLSearchParams, range: TimeRange): URLSearchParams {
  p.delete("range");
  p.delete("from");
  p.delete("to");
  if (range.kind === "all") p.set("range", "all");
  else if (range.kind === "preset") p.set("range", range.preset);
  else {
    p.set("from", new Date(range.from).toISOString());
    p.set("to", new Date(range.to).toISOString());
  }
  return p;
}

/** `since`/`until` API parameters (ISO UTC) for the range. */
export function apiRangeParams(p: URLSearchParams, range: TimeRange, now = Date.now()): URLSearchParams {
  const b = bounds(range, now);
  if (b.since !== undefined) p.set("since", new Date(b.since).toISOString());
  if (b.until !== undefined) p.set("until", new Date(b.until).toISOString());
  return p;
}
