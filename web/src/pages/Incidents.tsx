import { type FormEvent, useEffect, useState } from "react";
import { type AlertList, alertSeverity } from "../alert-types";
import { ApiError, getJson, getPage, send } from "../api";
import { SeverityBadge, StatusBadge, Time } from "../components/Badges";
import { offsetParam, Pager } from "../components/Pager";
import { RangePicker } from "../components/RangePicker";
import { Empty, ErrorState, Loading } from "../components/States";
import { Link, navigate, useLocation } from "../router";
import { apiRangeParams, rangeFrom, rangeFromBounds, setRangeParams, type TimeRange } from "../timeRange";
import { SEVERITIES, type Status } from "../types";
import { useAsync } from "../useAsync";

interface IncidentRow {
  id: number;
  detected_at: string;
  service: string | null;
  severity: string;
  summary: string;
  status: string;
  features?: { entity?: string } & Record<string, unknown>;
}

/** "host:web-01" → "host web-01": an incident's entity as words. */
function entityWords(entity: string): string {
  const at = entity.indexOf(":");
  if (at < 0) return entity;
  const kind = entity.slice(0, at);
  return `${kind === "ip" ? "address" : kind} ${entity.slice(at + 1)}`;
}

/**
 * The incident's service: none for a security incident (it concerns an entity; incidents stored before
 * issue 47 kept its host in `service`), which the Concerns column names instead.
 */
function incidentService(i: IncidentRow): string | null {
  return i.features?.entity ? null : i.service;
}

/** Summaries stored before issue 47 read "2 alert(s) on host:web-01: rule": said as a sentence. */
function incidentSummary(i: IncidentRow): string {
  const old = /^(\d+) alert\(s\) on (\S+?)(?:: (.*))?$/.exec(i.summary);
  if (!old) return i.summary;
  const n = Number(old[1]);
  const what = old[3] || (n === 1 ? "An alert" : "Alerts");
  return `${what} on ${entityWords(old[2]!)}${n > 1 ? ` (${n} alerts)` : ""}`;
}

const ALERT_PAGE = 25;
const INCIDENT_PAGE = 25;
/** The alert filters kept in the URL, named as GET /api/v1/alerts names them; the range apart (below). */
const ALERT_FILTERS = ["severity", "status", "source_ip", "user_id", "asset_id", "sort"] as const;

/**
 * The alerts' time range (when received), shared with the other pages' picker: `range=`, or `from`/`to`;
 * links made before it held `since`/`until` as the form's local date-times, still read. All data by
 * default: a security alert is never hidden for its age unless asked.
 */
function alertsRange(query: URLSearchParams): TimeRange {
  return rangeFrom(
    query,
    rangeFromBounds(Date.parse(query.get("since") ?? ""), Date.parse(query.get("until") ?? "")),
  );
}

/** Lines that mention what an alert concerns (an address, a user, a host), over all data. */
const entityLogsHref = (entity: string) => `/ui/logs?${new URLSearchParams({ q: entity, range: "all" })}`;
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
    if (v) alertQuery.set(f, v);
  }
  apiRangeParams(alertQuery, alertsRange(query));
  const incidentOffset = offsetParam(query.get("incidents_offset"));
  const [incidents, alerts, health] = await Promise.all([
    getPage<IncidentRow[]>(
      `/incidents?limit=${INCIDENT_PAGE}&offset=${incidentOffset}&with_total=true`,
      signal,
    ),
    getJson<AlertList>(`/api/v1/alerts?${alertQuery}`, signal).catch((e: unknown) => {
      if (e instanceof ApiError && e.status === 404) return null;
      throw e;
    }),
    getJson<{ stages?: Record<string, unknown> }>("/health", signal).catch(
      (): { stages?: Record<string, unknown> } => ({}),
    ),
  ]);
  return {
    incidents: incidents.items,
    incidentTotal: incidents.total,
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
  const range = alertsRange(query);
  const filtered = ALERT_FILTERS.some((f) => f !== "sort" && query.get(f)) || range.kind !== "all";

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
  const setRange = (r: TimeRange) => {
    const next = setRangeParams(new URLSearchParams(qs), r);
    for (const old of ["since", "until", "alerts_offset"]) next.delete(old);
    navigate(`/ui/incidents?${next}`);
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
                <div className="filters">
                  <RangePicker range={range} onChange={setRange} />
                </div>
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
                  <AlertsTable alerts={d.alerts} onChanged={reload} />
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
              <IncidentsTable incidents={d.incidents} onChanged={reload} />
            )}
            <Pager
              label="Incident pages"
              offset={d.incidentOffset}
              limit={INCIDENT_PAGE}
              shown={d.incidents.length}
              total={d.incidentTotal}
              onOffset={(o) => setQuery({ incidents_offset: o ? String(o) : null })}
            />
          </section>
        </>
      )}
    </>
  );
}

/** What the bulk bars set on the selected rows (as PATCH /api/v1/alerts and /api/v1/incidents take). */
const BULK_ACTIONS = [
  { status: "acknowledged", label: "Acknowledge" },
  { status: "resolved", label: "Resolve" },
  { status: "open", label: "Reopen" },
] as const;

/**
 * A table's selection and its one-request status change (`PATCH <route>` with every selected id),
 * then `onChanged` reloads the page. The selection empties when the rows change (another page).
 */
function useBulkStatus<Id extends string | number>(
  route: string,
  rowIds: readonly Id[],
  onChanged: () => void,
) {
  const [selected, setSelected] = useState<Set<Id>>(new Set());
  const [message, setMessage] = useState<string | null>(null);
  const rowsKey = rowIds.join(",");
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new set of rows starts a new selection.
  useEffect(() => setSelected(new Set()), [rowsKey]);
  const toggle = (id: Id) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const all = rowIds.length > 0 && rowIds.every((id) => selected.has(id));
  const toggleAll = () => setSelected(all ? new Set() : new Set(rowIds));
  const apply = async (status: string) => {
    try {
      const res = await send<{ updated: Id[] }>("PATCH", route, { ids: [...selected], status });
      setMessage(`${res.updated.length} marked ${status}`);
      setSelected(new Set());
      onChanged();
    } catch (err) {
      setMessage(
        err instanceof ApiError && err.status === 403
          ? "Changing a status needs a token with the admin scope."
          : `Could not change the status: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };
  return { selected, toggle, all, toggleAll, apply, message };
}

function BulkBar({
  label,
  bulk,
}: {
  label: string;
  bulk: { selected: Set<unknown>; apply: (status: string) => void; message: string | null };
}) {
  return (
    <div className="filters" role="toolbar" aria-label={label}>
      <span>
        {bulk.selected.size === 0
          ? "Select rows to change their status together"
          : `${bulk.selected.size} selected`}
      </span>
      {BULK_ACTIONS.map((a) => (
        <button
          key={a.status}
          type="button"
          disabled={bulk.selected.size === 0}
          onClick={() => bulk.apply(a.status)}
        >
          {a.label}
        </button>
      ))}
      {bulk.message && <span role="status">{bulk.message}</span>}
    </div>
  );
}

function AlertsTable({ alerts, onChanged }: { alerts: AlertList; onChanged: () => void }) {
  const bulk = useBulkStatus(
    "/api/v1/alerts",
    alerts.items.map((a) => a.alert_id),
    onChanged,
  );
  return (
    <>
      <BulkBar label="Selected alerts" bulk={bulk} />
      <div className="table-wrap">
        <table aria-label="Alerts">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select every alert on this page"
                  checked={bulk.all}
                  onChange={bulk.toggleAll}
                />
              </th>
              <th>Severity</th>
              <th>Risk</th>
              <th>What happened</th>
              <th>Concerns</th>
              <th>Source IP</th>
              <th>User</th>
              <th>Status</th>
              <th>Review</th>
              <th>Happened</th>
              <th>Received</th>
            </tr>
          </thead>
          <tbody>
            {alerts.items.map((a) => (
              <tr key={a.alert_id} data-alert-id={a.alert_id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select alert ${a.alert_id}: ${a.title}`}
                    checked={bulk.selected.has(a.alert_id)}
                    onChange={() => bulk.toggle(a.alert_id)}
                  />
                </td>
                <td>
                  <SeverityBadge severity={alertSeverity(a)} />
                </td>
                <td>
                  {a.risk_score === null ? (
                    <span className="muted">pending</span>
                  ) : (
                    <strong title="Risk score, 0–100">{a.risk_score.toFixed(0)}</strong>
                  )}
                </td>
                <td className="desc wrap">
                  <Link href={`/ui/incidents/alerts/${encodeURIComponent(a.alert_id)}`}>{a.title}</Link>
                  {a.anomaly_id !== null && (
                    <>
                      {" · "}
                      <Link href={`/ui/anomalies/${a.anomaly_id}`} className="muted">
                        finding
                      </Link>
                    </>
                  )}
                </td>
                <td className="wrap">
                  {a.entity ? (
                    <Link href={entityLogsHref(a.entity)} title={`Lines that mention ${a.entity}`}>
                      {a.entity}
                    </Link>
                  ) : (
                    "—"
                  )}
                </td>
                <td className="mono">{a.source_ip ?? "—"}</td>
                <td>{a.user_id ?? "—"}</td>
                <td>
                  <span className="status">
                    {a.verdict ? a.verdict.replace("_", " ") : a.status.replace("_", " ")}
                  </span>
                </td>
                <td>
                  <StatusBadge status={a.review_status} />
                </td>
                <td>{a.event_time ? <Time iso={a.event_time} /> : <span className="muted">—</span>}</td>
                <td>
                  <Time iso={a.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function IncidentsTable({ incidents, onChanged }: { incidents: IncidentRow[]; onChanged: () => void }) {
  const bulk = useBulkStatus(
    "/api/v1/incidents",
    incidents.map((i) => i.id),
    onChanged,
  );
  return (
    <>
      <BulkBar label="Selected incidents" bulk={bulk} />
      <div className="table-wrap">
        <table aria-label="Incidents">
          <thead>
            <tr>
              <th>
                <input
                  type="checkbox"
                  aria-label="Select every incident on this page"
                  checked={bulk.all}
                  onChange={bulk.toggleAll}
                />
              </th>
              <th>Severity</th>
              <th>Detected</th>
              <th>Service</th>
              <th>Concerns</th>
              <th>Summary</th>
              <th>Status</th>
            </tr>
          </thead>
          <tbody>
            {incidents.map((i) => (
              <tr key={i.id}>
                <td>
                  <input
                    type="checkbox"
                    aria-label={`Select incident ${i.id}`}
                    checked={bulk.selected.has(i.id)}
                    onChange={() => bulk.toggle(i.id)}
                  />
                </td>
                <td>
                  <SeverityBadge severity={i.severity} />
                </td>
                <td>
                  <Time iso={i.detected_at} />
                </td>
                <td>{incidentService(i) ?? <span className="muted">—</span>}</td>
                <td className="wrap">
                  {i.features?.entity ? (
                    <Link href={entityLogsHref(i.features.entity.slice(i.features.entity.indexOf(":") + 1))}>
                      {entityWords(i.features.entity)}
                    </Link>
                  ) : (
                    "—"
                  )}
                </td>
                <td className="desc wrap">{incidentSummary(i)}</td>
                <td>
                  <StatusBadge status={i.status as Status} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
