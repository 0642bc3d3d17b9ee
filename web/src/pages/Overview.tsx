import { getJson, getPage, getText } from "../api";
import { BarList } from "../components/BarList";
import { ErrorState, Loading } from "../components/States";
import { type Bucket, TimeChart } from "../components/TimeChart";
import { navigate, useLocation } from "../router";
import { type AnomalyRow, type Incident, SEVERITIES, type Severity, type Template } from "../types";
import { useAsync } from "../useAsync";

const RANGES = { "1h": 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
type Range = keyof typeof RANGES;
const BUCKETS = 24;
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

async function load(range: Range, signal: AbortSignal) {
  const now = Date.now();
  const since = now - RANGES[range];
  const width = RANGES[range] / BUCKETS;
  const perSeverity = await Promise.all(
    SEVERITIES.map((s) =>
      getPage<AnomalyRow[]>(
        `/api/v1/anomalies?severity=${s}&since=${new Date(since).toISOString()}&limit=${PER_SEVERITY}`,
        signal,
      ),
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
      const t = Date.parse(`${a.timestamp}Z`);
      const b = buckets[Math.min(BUCKETS - 1, Math.max(0, Math.floor((t - since) / width)))]!;
      b.counts[s]++;
      totals[s]++;
      detectors.set(a.agent_name, (detectors.get(a.agent_name) ?? 0) + 1);
    }
  });
  const truncated = perSeverity.some((p) => p.nextCursor !== null);
  const [templates, metrics, incidents] = await Promise.all([
    getJson<Template[]>("/api/v1/templates?limit=1000", signal).catch(() => [] as Template[]),
    getText("/metrics", signal).catch(() => ""),
    getJson<Incident[]>("/incidents?limit=100", signal).catch(() => [] as Incident[]),
  ]);
  const services = new Map<string, number>();
  for (const t of templates) services.set(t.stream, (services.get(t.stream) ?? 0) + t.count);
  return {
    buckets,
    totals,
    truncated,
    detectors: top(detectors),
    services: top(services),
    templates: templates.slice(0, 6).map((t) => ({ name: t.template, count: t.count })),
    rate: metric(metrics, "logwarden_ingest_records_per_second"),
    ingested: metric(metrics, "logwarden_ingest_records_total"),
    openIncidents: incidents.filter((i) => i.status === "open").length,
  };
}

export function OverviewPage() {
  const { query } = useLocation();
  const range = (query.get("range") as Range | null) ?? "24h";
  const { state, reload } = useAsync((signal) => load(range in RANGES ? range : "24h", signal), [range]);
  const d = state.data;
  return (
    <>
      <div className="page-head">
        <h1>Overview</h1>
        <label className="field" style={{ flexDirection: "row", alignItems: "center", gap: 8 }}>
          Time range
          <select value={range} onChange={(e) => navigate(`/ui/overview?range=${e.target.value}`)}>
            <option value="1h">Last hour</option>
            <option value="24h">Last 24 hours</option>
            <option value="7d">Last 7 days</option>
            <option value="30d">Last 30 days</option>
          </select>
        </label>
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
              <BarList items={d.detectors} label="Top detectors" />
            </section>
            <section className="panel">
              <h2>Busiest services (log lines)</h2>
              <BarList items={d.services} label="Busiest services" />
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
