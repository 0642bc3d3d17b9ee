import type { AlertList } from "../alert-types";
import { ApiError, getJson } from "../api";
import { SeverityBadge, StatusBadge, Time } from "../components/Badges";
import { Empty, ErrorState, Loading } from "../components/States";
import { Link } from "../router";
import type { Severity, Status } from "../types";
import { useAsync } from "../useAsync";

interface IncidentRow {
  id: number;
  detected_at: string;
  service: string | null;
  severity: string;
  summary: string;
  status: string;
}

/**
 * Alert triage is "enabled" when the server has the alerts routes (else 404) and runs the triage stages
 * (`stages` in /health, absent when TRIAGE_ENABLED=false). Stored alerts are shown either way.
 */
async function load(signal: AbortSignal) {
  const [incidents, alerts, health] = await Promise.all([
    getJson<IncidentRow[]>("/incidents?limit=100", signal),
    getJson<AlertList>("/api/v1/alerts?limit=100", signal).catch((e: unknown) => {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }),
    getJson<{ stages?: Record<string, unknown> }>("/health", signal).catch(
      (): { stages?: Record<string, unknown> } => ({}),
    ),
  ]);
  return { incidents, alerts, triageRunning: alerts !== null && health.stages !== undefined };
}

const SEVERITY_WORDS = ["low", "medium", "high", "critical"];
const asSeverity = (s: string | null) => (s && SEVERITY_WORDS.includes(s) ? (s as Severity) : undefined);

export function IncidentsPage() {
  const { state, reload } = useAsync(load, []);
  const d = state.data;
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
            {d.alerts === null || (!d.triageRunning && d.alerts.total === 0) ? (
              <div className="panel">
                <Empty title="Alert triage is not enabled on this server">
                  Set <code>TRIAGE_ENABLED=true</code> to enrich, score and triage security alerts
                  (docs/triage.md). Incidents from system 004 are listed below.
                </Empty>
              </div>
            ) : d.alerts.items.length === 0 ? (
              <div className="panel">
                <Empty title="No alerts yet">
                  Send alerts to <code>POST /api/v1/alerts</code>; each appears here with its context, threat
                  intel and risk score.
                </Empty>
              </div>
            ) : (
              <div className="table-wrap">
                <table aria-label="Alerts">
                  <thead>
                    <tr>
                      <th>Risk</th>
                      <th>Severity</th>
                      <th>Alert</th>
                      <th>Rule</th>
                      <th>Source IP</th>
                      <th>User</th>
                      <th>Status</th>
                      <th>Received</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.alerts.items.map((a) => (
                      <tr key={a.alert_id}>
                        <td>
                          {a.risk_score === null ? (
                            <span className="muted">pending</span>
                          ) : (
                            <>
                              <strong>{a.risk_score.toFixed(0)}</strong>{" "}
                              <SeverityBadge severity={asSeverity(a.risk_level)} />
                            </>
                          )}
                        </td>
                        <td>
                          <SeverityBadge severity={asSeverity(a.severity)} />
                        </td>
                        <td className="mono">
                          <Link href={`/ui/incidents/alerts/${encodeURIComponent(a.alert_id)}`}>
                            {a.alert_id}
                          </Link>
                        </td>
                        <td>{a.rule_name ?? "—"}</td>
                        <td className="mono">{a.source_ip ?? "—"}</td>
                        <td>{a.user_id ?? "—"}</td>
                        <td>
                          <span className="status">{a.verdict ? a.verdict.replace("_", " ") : a.status}</span>
                        </td>
                        <td>
                          <Time iso={a.created_at} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
          <section style={{ marginTop: 20 }} aria-labelledby="incidents">
            <h2 id="incidents">Incidents</h2>
            {d.incidents.length === 0 ? (
              <div className="panel">
                <Empty title="No incidents">
                  Incidents are opened when a service's scored logs cross the threshold (system 004, POST
                  /ingest).
                </Empty>
              </div>
            ) : (
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
                    {d.incidents.map((i) => (
                      <tr key={i.id}>
                        <td>
                          <SeverityBadge severity={asSeverity(i.severity)} />
                        </td>
                        <td>
                          <Time iso={i.detected_at} />
                        </td>
                        <td>{i.service ?? "—"}</td>
                        <td className="desc">{i.summary}</td>
                        <td>
                          <StatusBadge status={i.status as Status} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </section>
        </>
      )}
    </>
  );
}
