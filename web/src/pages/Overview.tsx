import { useState } from "react";
import { getJson, getPage, getText } from "../api";
import { BarList } from "../components/BarList";
import { CountChart } from "../components/CountChart";
import { RangePicker } from "../components/RangePicker";
import { ErrorState, Loading } from "../components/States";
import { type Bucket, TimeChart } from "../components/TimeChart";
import { Link, navigate, useLocation } from "../router";
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

/** The Logs page for a filter over `[since, until)` (absolute, so the link shows what was counted). */
function logsHref(filter: Record<string, string>, since: number, until: number): string {
  return `/ui/logs?${setRangeParams(new URLSearchParams(filter), { kind: "absolute", from: since, to: until })}`;
}

/** The Anomalies page (findings) for a filter over `[since, until)`. */
function anomaliesHref(filter: Record<string, string>, since: number, until: number): string {
  return `/ui/anomalies?${setRangeParams(new URLSearchParams(filter), { kind: "absolute", from: since, to: until })}`;
}

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
  // Every figure is a link to what it counts, over the period on screen: lines on Logs, findings on Anomalies.
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
            <Stat
              label="Critical + high"
              value={d.totals.critical + d.totals.high}
              href={anomaliesHref({ severity: "high,critical" }, d.since, d.until)}
            />
            <Stat
              label="All anomalies"
              value={SEVERITIES.reduce((n, s) => n + d.totals[s], 0)}
              href={anomaliesHref({}, d.since, d.until)}
            />
            <Stat
              label="Ingest rate"
              value={d.rate === null ? "—" : `${d.rate.toFixed(1)}/s`}
              hint={d.ingested === null ? undefined : `${d.ingested.toLocaleString()} records since start`}
              href={logsHref({}, d.since, d.until)}
            />
            <Stat label="Open incidents" value={d.openIncidents} href="/ui/incidents#incidents" />
          </div>
          <section className="panel" style={{ marginTop: 16 }} aria-labelledby="over-time">
            <h2 id="over-time">Anomalies over time by severity</h2>
            <TimeChart
              buckets={d.buckets}
              label="Anomalies over time, stacked by severity"
              hrefFor={(from, to) => anomaliesHref({}, from, to)}
            />
            {d.truncated && (
              <p className="muted">Busy range: the newest {PER_SEVERITY} per severity are shown.</p>
            )}
          </section>
          <LogVolume since={d.since} until={d.until} services={d.services.map((s) => s.name)} />
          <div className="grid cols-3" style={{ marginTop: 16 }}>
            <section className="panel">
              <h2>Top detectors</h2>
              <BarList
                items={d.detectors}
                label="Top detectors"
                hrefFor={(name) => anomaliesHref({ agent_name: name }, d.since, d.until)}
              />
            </section>
            <section className="panel">
              <h2>Busiest services (log lines)</h2>
              <BarList
                items={d.services}
                label="Busiest services"
                hrefFor={(name) => logsHref({ service: name }, d.since, d.until)}
              />
            </section>
            <section className="panel">
              <h2>Top templates</h2>
              <BarList
                items={d.templates}
                label="Top templates"
                hrefFor={(name) => {
                  const ids = d.templates.find((t) => t.name === name)?.template_ids ?? [];
                  // An older server names templates without ids: their text is the next best search.
                  return ids.length > 0
                    ? logsHref({ template_id: ids.join(",") }, d.since, d.until)
                    : `/ui/templates?${new URLSearchParams({ q: name })}`;
                }}
              />
            </section>
          </div>
        </>
      )}
    </>
  );
}

/**
 * Stored log lines over the period, for every service or one; each bar opens the Logs page on that
 * bucket (and service), so a spike is one click from its lines.
 */
function LogVolume({ since, until, services }: { since: number; until: number; services: string[] }) {
  const [service, setService] = useState("");
  const p = new URLSearchParams({
    since: new Date(since).toISOString(),
    until: new Date(until).toISOString(),
    buckets: String(BUCKETS),
  });
  if (service) p.set("service", service);
  const url = `/api/v1/logs/histogram?${p}`;
  const { state, reload } = useAsync((signal) => getJson<LogHistogram>(url, signal), [url]);
  const h = state.data;
  return (
    <section className="panel" style={{ marginTop: 16 }} aria-labelledby="volume">
      <div className="page-head" style={{ marginBottom: 8 }}>
        <h2 id="volume" style={{ margin: 0 }}>
          Log volume{h ? ` (${h.total.toLocaleString()} lines)` : ""}
        </h2>
        <label className="field" style={{ flexDirection: "row", alignItems: "center", gap: 8 }}>
          Service
          <select
            aria-label="Service of the volume chart"
            value={service}
            onChange={(e) => setService(e.target.value)}
          >
            <option value="">All services</option>
            {services.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {state.status === "error" && <ErrorState error={state.error} retry={reload} />}
      {!h && state.status === "loading" && <Loading what="the log volume" />}
      {h && h.buckets.length === 0 && <p className="muted">No log line in this range.</p>}
      {h && h.buckets.length > 0 && (
        <CountChart
          buckets={h.buckets.map((b) => ({ start: Date.parse(b.start), count: b.count }))}
          intervalMs={h.interval_ms}
          label={`Log lines over time${service ? ` of ${service}` : ""}`}
          pickLabel="Show these lines"
          onPick={(from, to) => navigate(logsHref(service ? { service } : {}, from, to))}
        />
      )}
    </section>
  );
}

/** A summary card; the whole card is a link to what it counts. */
function Stat({
  label,
  value,
  hint,
  href,
}: {
  label: string;
  value: number | string;
  hint?: string | undefined;
  href: string;
}) {
  return (
    <Link className="panel stat stat-link" href={href} aria-label={`${label}: ${value}. Show them`}>
      <div className="label">{label}</div>
      <div className="value">{typeof value === "number" ? value.toLocaleString() : value}</div>
      {hint && <div className="muted">{hint}</div>}
    </Link>
  );
}
