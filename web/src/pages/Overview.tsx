import { getJson, getPage, getText } from "../api";
import { BarList } from "../components/BarList";
import { RangePicker } from "../components/RangePicker";
import { ErrorState, Loading } from "../components/States";
import { type Bucket, TimeChart } from "../components/TimeChart";
import { navigate, useLocation } from "../router";
import { parseApiTime } from "../time";
import { bounds, rangeFrom, setRangeParams, type TimeRange } from "../timeRange";
import {
  type AnomalyRow,
  type Incident,
  type LogFacets,
  type LogHistogram,
  SEVERITIES,
  type Severity,
} from "../types";
import { useAsync } from "../useAsync";

const BUCKETS = 24;
const DAY = 86_400_000;
/** Per severity; a busier range shows the newest this many (the chart says so). */
const PER_SEVERITY = 5000;

function top(counts: Map<string, number>, n = 6) {
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, count]) => ({ name, count }));
}

/** One Prometheus sample value (the text format: `name{labels} value`). */
function metric(text: string, name: string): number | null {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, "m").exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * The range's bounds. "All data" and a range left unset take the logs' own period (first to last
 * line), so a store holding only imported history (LogHub's 2005–2017 files) shows it; an unset range
 * is the last 24 hours when the newest line is that recent.
 */
async function resolve(range: TimeRange | null, signal: AbortSignal) {
  const now = Date.now();
  if (range && range.kind !== "all") {
    const b = bounds(range, now);
    return { range, since: b.since ?? now - DAY, until: b.until ?? now };
  }
  const extent = await getJson<LogHistogram>("/api/v1/logs/histogram?buckets=1", signal);
  const first = extent.since ? Date.parse(extent.since) : null;
  const last = extent.until ? Date.parse(extent.until) : null;
  if (range === null && (last === null || last > now - DAY)) {
    return { range: { kind: "preset", preset: "24h" } as TimeRange, since: now - DAY, until: now };
  }
  if (first === null || last === null)
    return { range: { kind: "all" } as TimeRange, since: now - DAY, until: now };
  return { range: { kind: "all" } as TimeRange, since: first, until: Math.max(last, first + BUCKETS * 1000) };
}

async function load(asked: TimeRange | null, signal: AbortSignal) {
  const { range, since, until } = await resolve(asked, signal);
  const width = (until - since) / BUCKETS;
  const window = `since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}`;
  const perSeverity = await Promise.all(
    SEVERITIES.map((s) =>
      getPage<AnomalyRow[]>(`/api/v1/anomalies?severity=${s}&${window}&limit=${PER_SEVERITY}`, signal),
    ),
  );
  const buckets: Bucket[] = Array.from({ length: BUCKETS }, (_, i) => ({
    start: since + i * width,
    counts: { low: 0, medium: 0, high: 0, critical: 0 },
  }));
  const detectors = new Map<string, number>();
  const totals: Record<Severity, number> = { low: 0, medium: 0, high: 0, critical: 0 };
  perSeverity.forEach((page, i) => {
    const s = SEVERITIES[i]!;
    for (const a of page.items) {
      const t = parseApiTime(a.timestamp);
      const b = buckets[Math.min(BUCKETS - 1, Math.max(0, Math.floor((t - since) / width)))]!;
      b.counts[s]++;
      totals[s]++;
      detectors.set(a.agent_name, (detectors.get(a.agent_name) ?? 0) + 1);
    }
  });
  const truncated = perSeverity.some((p) => p.nextCursor !== null);
  const [facets, metrics, incidents] = await Promise.all([
    getJson<LogFacets>(`/api/v1/logs/facets?${window}&limit=6`, signal),
    getText("/metrics", signal).catch(() => ""),
    getJson<Incident[]>("/incidents?limit=100", signal).catch(() => [] as Incident[]),
  ]);
  return {
    range,
    since,
    until,
    buckets,
    totals,
    truncated,
    detectors: top(detectors),
    services: facets.services,
    templates: facets.templates,
    rate: metric(metrics, "logwarden_ingest_records_per_second"),
    ingested: metric(metrics, "logwarden_ingest_records_total"),
    openIncidents: incidents.filter((i) => i.status === "open").length,
  };
}

export function OverviewPage() {
  const { query } = useLocation();
  const asked = query.has("range") || query.has("from") ? rangeFrom(query, { kind: "all" }) : null;
  const askedKey = JSON.stringify(asked);
  const { state, reload } = useAsync((signal) => load(asked, signal), [askedKey]);
  const d = state.data;
  const shown = d?.range ?? asked ?? { kind: "preset", preset: "24h" };
  // Drill-downs keep the period on screen: a service opens its lines, a detector its anomalies.
  const period = d ? `since=${new Date(d.since).toISOString()}&until=${new Date(d.until).toISOString()}` : "";
  const logsFor = (service: string) =>
    `/ui/logs?${setRangeParams(new URLSearchParams({ service }), d ? { kind: "absolute", from: d.since, to: d.until } : shown)}`;
  return (
    <>
      <div className="page-head">
        <h1>Overview</h1>
        <RangePicker
          range={shown}
          onChange={(r) => navigate(`/ui/overview?${setRangeParams(new URLSearchParams(), r)}`)}
          extent={d?.range.kind === "all" ? { first: d.since, last: d.until } : undefined}
        />
      </div>
      {state.status === "error" && <ErrorState error={state.error} retry={reload} />}
      {!d && state.status === "loading" && <Loading what="the overview" />}
      {d && (
        <>
          <div className="grid cols-4">
            <Stat label="Critical + high" value={d.totals.critical + d.totals.high} />
            <Stat label="All anomalies" value={SEVERITIES.reduce((n, s) => n + d.totals[s], 0)} />
            <Stat
              label="Ingest rate"
              value={d.rate === null ? "—" : `${d.rate.toFixed(1)}/s`}
              hint={d.ingested === null ? undefined : `${d.ingested.toLocaleString()} records since start`}
            />
            <Stat label="Open incidents" value={d.openIncidents} />
          </div>
          <section className="panel" style={{ marginTop: 16 }} aria-labelledby="over-time">
            <h2 id="over-time">Anomalies over time by severity</h2>
            <TimeChart buckets={d.buckets} label="Anomalies over time, stacked by severity" />
            {d.truncated && (
              <p className="muted">Busy range: the newest {PER_SEVERITY} per severity are shown.</p>
            )}
          </section>
          <div className="grid cols-3" style={{ marginTop: 16 }}>
            <section className="panel">
              <h2>Top detectors</h2>
              <BarList
                items={d.detectors}
                label="Top detectors"
                hrefFor={(name) => `/ui/anomalies?agent_name=${encodeURIComponent(name)}&${period}`}
              />
            </section>
            <section className="panel">
              <h2>Busiest services (log lines)</h2>
              <BarList items={d.services} label="Busiest services" hrefFor={logsFor} />
            </section>
            <section className="panel">
              <h2>Top templates</h2>
              <BarList items={d.templates} label="Top templates" />
            </section>
          </div>
        </>
      )}
    </>
  );
}

function Stat({ label, value, hint }: { label: string; value: number | string; hint?: string | undefined }) {
  return (
    <div className="panel stat">
      <div className="label">{label}</div>
      <div className="value">{typeof value === "number" ? value.toLocaleString() : value}</div>
      {hint && <div className="muted">{hint}</div>}
    </div>
  );
}
