import type { FormEvent } from "react";
import type { AlertList } from "../alert-types";
import { ApiError, getJson } from "../api";
import { SeverityBadge, StatusBadge, Time } from "../components/Badges";
import { offsetParam, Pager } from "../components/Pager";
import { Empty, ErrorState, Loading } from "../components/States";
import { Link, navigate, useLocation } from "../router";
import { SEVERITIES, type Status } from "../types";
import { useAsync } from "../useAsync";

interface IncidentRow {
  id: number;
  detected_at: string;
  service: string | null;
  severity: string;
  summary: string;
  status: string;
}

const ALERT_PAGE = 25;
const INCIDENT_PAGE = 25;
/** The alert filters kept in the URL, named as GET /api/v1/alerts names them. */
const ALERT_FILTERS = [
  "severity",
  "status",
  "source_ip",
  "user_id",
  "asset_id",
  "since",
  "until",
  "sort",
] as const;
const ALERT_STATUSES = ["received", "enriched", "intel_checked", "triaged", "dead_letter"];

/**
 * Alert triage is "enabled" when the server has the alerts routes (else 404) and runs the triage stages
 * (`stages` in /health, absent when TRIAGE_ENABLED=false). Stored alerts are shown either way.
 */
async function load(query: URLSearchParams, signal: AbortSignal) {
  const alertQuery = new URLSearchParams({
    limit: String(ALERT_PAGE),
    offset: String(offsetParam(query.get("alerts_offset"))),
    // Security alerts most severe first, so a critical one is never a page away behind newer low ones.
    sort: "severity",
  });
  for (const f of ALERT_FILTERS) {
    const v = query.get(f);
    if (v) alertQuery.set(f, f === "since" || f === "until" ? new Date(v).toISOString() : v);
  }
  const incidentOffset = offsetParam(query.get("incidents_offset"));
  const [incidents, alerts, health] = await Promise.all([
    getJson<IncidentRow[]>(`/incidents?limit=${INCIDENT_PAGE}&offset=${incidentOffset}`, signal),
    getJson<AlertList>(`/api/v1/alerts?${alertQuery}`, signal).catch((e: unknown) => {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }),
    getJson<{ stages?: Record<string, unknown> }>("/health", signal).catch(
      (): { stages?: Record<string, unknown> } => ({}),
    ),
  ]);
  return {
    incidents,
    incidentOffset,
    alerts,
    triageRunning: alerts !== null && health.stages !== undefined,
  };
}

export function IncidentsPage() {
  const { query } = useLocation();
  const qs = query.toString();
  const { state, reload } = useAsync((signal) => load(new URLSearchParams(qs), signal), [qs]);
  const d = state.data;
  const filtered = ALERT_FILTERS.some((f) => f !== "sort" && query.get(f));

  const setQuery = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(qs);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    const s = next.toString();
    navigate(`/ui/incidents${s ? `?${s}` : ""}`);
  };
  const applyFilters = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const changes: Record<string, string | null> = { alerts_offset: null };
    for (const f of ALERT_FILTERS) changes[f] = String(form.get(f) ?? "").trim() || null;
    setQuery(changes);
  };

  return (
    <>
      <div className="page-head">
        <h1>Incidents & alerts</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      {state.status === "error" && <ErrorState error={state.error} retry={reload} />}
      {state.status === "loading" && !d && <Loading what="incidents and alerts" />}
      {d && (
        <>
          <section aria-labelledby="alerts">
            <h2 id="alerts">Alert triage</h2>
            <p className="muted">
              Security alerts (system 001, Wazuh, Suricata), kept apart from operational incidents.
            </p>
            {d.alerts === null || (!d.triageRunning && d.alerts.total === 0 && !filtered) ? (
              <div className="panel">
                <Empty title="Alert triage is not enabled on this server">
                  Set <code>TRIAGE_ENABLED=true</code> to enrich, score and triage security alerts
                  (docs/triage.md). Incidents from system 004 are listed below.
                </Empty>
              </div>
            ) : (
              <>
                <form className="filters panel" onSubmit={applyFilters} key={qs} aria-label="Filter alerts">
                  <label className="field">
                    Severity
                    <select name="severity" defaultValue={query.get("severity") ?? ""}>
                      <option value="">Any</option>
                      {SEVERITIES.map((s) => (
                        <option key={s}>{s}</option>
                      ))}
                    </select>
                  </label>
                  <label className="field">
                    Status
                    <select name="status" defaultValue={query.get("status") ?? ""}>
                      <option value="">Any</option>
                      {ALERT_STATUSES.map((s) => (
                        <option key={s} value={s}>
                          {s.replace("_", " ")}
                        </option>
                      ))}
                    </select>
                  </label>
                  <label className="field">
                    Source IP
                    <input
                      name="source_ip"
                      defaultValue={query.get("source_ip") ?? ""}
                      placeholder="e.g. 45.33.32.156"
                    />
                  </label>
                  <label className="field">
                    User
                    <input name="user_id" defaultValue={query.get("user_id") ?? ""} />
                  </label>
                  <label className="field">
                    Asset
                    <input name="asset_id" defaultValue={query.get("asset_id") ?? ""} />
                  </label>
                  <label className="field">
                    From
                    <input type="datetime-local" name="since" defaultValue={query.get("since") ?? ""} />
                  </label>
                  <label className="field">
                    To
                    <input type="datetime-local" name="until" defaultValue={query.get("until") ?? ""} />
                  </label>
                  <label className="field">
                    Order
                    <select name="sort" defaultValue={query.get("sort") ?? "severity"}>
                      <option value="severity">Most severe first</option>
                      <option value="newest">Newest first</option>
                    </select>
                  </label>
                  <button className="primary" type="submit">
                    Apply
                  </button>
                  <button type="button" onClick={() => navigate("/ui/incidents")}>
                    Clear
                  </button>
                </form>
                {d.alerts.items.length === 0 ? (
                  <div className="panel">
                    {filtered ? (
                      <Empty title="No alert matches these filters">
                        Widen the time range or clear a filter.
                      </Empty>
                    ) : (
                      <Empty title="No alerts yet">
                        Send alerts to <code>POST /api/v1/alerts</code>; each appears here with its context,
                        threat intel and risk score.
                      </Empty>
                    )}
                  </div>
                ) : (
                  <AlertsTable alerts={d.alerts} />
                )}
                <Pager
                  label="Alert pages"
                  offset={d.alerts.offset}
                  limit={ALERT_PAGE}
                  shown={d.alerts.items.length}
                  total={d.alerts.total}
                  onOffset={(o) => setQuery({ alerts_offset: o ? String(o) : null })}
                />
              </>
            )}
          </section>
          <section style={{ marginTop: 20 }} aria-labelledby="incidents">
            <h2 id="incidents">Operational incidents</h2>
            {d.incidents.length === 0 && d.incidentOffset === 0 ? (
              <div className="panel">
                <Empty title="No incidents">
                  Incidents are opened when a service's scored logs cross the threshold (system 004, POST
                  /ingest).
                </Empty>
              </div>
            ) : (
              <IncidentsTable incidents={d.incidents} />
            )}
            <Pager
              label="Incident pages"
              offset={d.incidentOffset}
              limit={INCIDENT_PAGE}
              shown={d.incidents.length}
              total={null}
              onOffset={(o) => setQuery({ incidents_offset: o ? String(o) : null })}
            />
          </section>
        </>
      )}
    </>
  );
}

function AlertsTable({ alerts }: { alerts: AlertList }) {
  return (
    <div className="table-wrap">
      <table aria-label="Alerts">
        <thead>
          <tr>
            <th>Severity</th>
            <th>Risk</th>
            <th>Alert</th>
            <th>Rule</th>
            <th>Source IP</th>
            <th>User</th>
            <th>Status</th>
            <th>Received</th>
          </tr>
        </thead>
        <tbody>
          {alerts.items.map((a) => (
            <tr key={a.alert_id}>
              <td>
                <SeverityBadge severity={a.severity} />
              </td>
              <td>
                {a.risk_score === null ? (
                  <span className="muted">pending</span>
                ) : (
                  <>
                    <strong>{a.risk_score.toFixed(0)}</strong> <SeverityBadge severity={a.risk_level} />
                  </>
                )}
              </td>
              <td className="mono">
                <Link href={`/ui/incidents/alerts/${encodeURIComponent(a.alert_id)}`}>{a.alert_id}</Link>
              </td>
              <td className="desc wrap">{a.rule_name ?? "—"}</td>
              <td className="mono">{a.source_ip ?? "—"}</td>
              <td>{a.user_id ?? "—"}</td>
              <td>
                <span className="status">
                  {a.verdict ? a.verdict.replace("_", " ") : a.status.replace("_", " ")}
                </span>
              </td>
              <td>
                <Time iso={a.created_at} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function IncidentsTable({ incidents }: { incidents: IncidentRow[] }) {
  return (
    <div className="table-wrap">
      <table aria-label="Incidents">
        <thead>
          <tr>
            <th>Severity</th>
            <th>Detected</th>
            <th>Service</th>
            <th>Summary</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {incidents.map((i) => (
            <tr key={i.id}>
              <td>
                <SeverityBadge severity={i.severity} />
              </td>
              <td>
                <Time iso={i.detected_at} />
              </td>
              <td>{i.service ?? "—"}</td>
              <td className="desc wrap">{i.summary}</td>
              <td>
                <StatusBadge status={i.status as Status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
