import { Fragment, useState } from "react";
import {
  DEFAULT_INCIDENT_WINDOW_SECS,
  describeEntity,
  INCIDENT_WINDOWS,
  spanSeconds,
  windowParam,
} from "../anomaly-incidents";
import { getJson } from "../api";
import { AnomalyViewToggle } from "../components/AnomalyViewToggle";
import { SeverityBadge, Time } from "../components/Badges";
import { IncidentFindings } from "../components/IncidentFindings";
import { offsetParam, Pager } from "../components/Pager";
import { RangePicker } from "../components/RangePicker";
import { Empty, ErrorState, Loading } from "../components/States";
import { navigate, useLocation } from "../router";
import { formatDuration } from "../time";
import { apiRangeParams, rangeFrom, setRangeParams, type TimeRange } from "../timeRange";
import type { AnomalyIncident, AnomalyIncidentPage } from "../types";
import { useAsync } from "../useAsync";

const PAGE_SIZE = 25;
/** Entities listed in a row before "+N more" (an address that tried many accounts names them all). */
const ENTITIES_SHOWN = 3;
/** "All data": the API's default start is a day back, so the whole store is asked for explicitly. */
const EPOCH = new Date(0).toISOString();

/** The view's URL: range, grouping window and page, all shareable (back button works). */
function incidentsHref(range: TimeRange, windowSecs: number, offset = 0): string {
  const p = setRangeParams(new URLSearchParams({ view: "incidents" }), range);
  if (windowSecs !== DEFAULT_INCIDENT_WINDOW_SECS) p.set("window", String(windowSecs));
  if (offset > 0) p.set("offset", String(offset));
  return `/ui/anomalies?${p}`;
}

function windowLabel(secs: number): string {
  return INCIDENT_WINDOWS.find((w) => w.secs === secs)?.label ?? formatDuration(secs);
}

/**
 * The Anomalies page's Incidents view: stored findings grouped by the user, address or host they concern
 * (`GET /api/v1/anomaly-incidents`), most recently active first, so "who is in trouble" reads at a glance;
 * each incident expands into its findings.
 */
export function AnomalyIncidentsView() {
  const { query } = useLocation();
  const range = rangeFrom(query, { kind: "preset", preset: "24h" });
  const windowSecs = windowParam(query.get("window"));
  const offset = offsetParam(query.get("offset"));
  const [refreshes, setRefreshes] = useState(0);
  return (
    <>
      <div className="page-head">
        <div className="head-title">
          <h1>Anomalies</h1>
          <AnomalyViewToggle view="incidents" />
        </div>
        <div className="head-title">
          <RangePicker range={range} onChange={(r) => navigate(incidentsHref(r, windowSecs))} />
          <button type="button" onClick={() => setRefreshes((n) => n + 1)}>
            Refresh
          </button>
        </div>
      </div>
      <div className="filters panel">
        <label className="field">
          Grouping window
          <select value={windowSecs} onChange={(e) => navigate(incidentsHref(range, Number(e.target.value)))}>
            {INCIDENT_WINDOWS.map((w) => (
              <option key={w.secs} value={w.secs}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
        <span className="muted">
          Findings about one user, address or host within {windowLabel(windowSecs)} of each other are one
          incident.
        </span>
      </div>
      {/* Keyed by what is grouped: a new range or window (or Refresh) fixes a new "now" for every page. */}
      <IncidentList
        key={`${JSON.stringify(range)}|${windowSecs}|${refreshes}`}
        range={range}
        windowSecs={windowSecs}
        offset={offset}
        onOffset={(o) => navigate(incidentsHref(range, windowSecs, o))}
      />
    </>
  );
}

function IncidentList({
  range,
  windowSecs,
  offset,
  onOffset,
}: {
  range: TimeRange;
  windowSecs: number;
  offset: number;
  onOffset: (offset: number) => void;
}) {
  // A relative range ends at the moment the list was opened, so every page groups the same findings.
  const [now] = useState(() => Date.now());
  const api = apiRangeParams(new URLSearchParams(), range, now);
  if (!api.has("since")) api.set("since", EPOCH);
  if (!api.has("until")) api.set("until", new Date(now).toISOString());
  api.set("window_secs", String(windowSecs));
  api.set("limit", String(PAGE_SIZE));
  if (offset > 0) api.set("offset", String(offset));
  const url = `/api/v1/anomaly-incidents?${api}`;
  const { state, reload } = useAsync((signal) => getJson<AnomalyIncidentPage>(url, signal), [url]);
  const [open, setOpen] = useState<Set<number>>(new Set());
  const toggle = (id: number) =>
    setOpen((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  if (state.status === "error") return <ErrorState error={state.error} retry={reload} />;
  if (!state.data) return <Loading what="incidents" />;
  const page = state.data;
  if (page.total === 0)
    return (
      <Empty title="No anomalies in this time range">
        Choose a longer time range (or All data). Findings are grouped here as detectors report them; send
        logs to POST /ingest or a configured source.
      </Empty>
    );
  return (
    <>
      <p className="muted" role="status">
        {page.findings.toLocaleString()} finding{page.findings === 1 ? "" : "s"} grouped into{" "}
        {page.total.toLocaleString()} incident{page.total === 1 ? "" : "s"}, most recently active first.
        {page.truncated && " The range holds more than 10,000 findings: only the newest were grouped."}
      </p>
      <div className="table-wrap">
        <table aria-label="Anomaly incidents" aria-busy={state.status === "loading"}>
          <thead>
            <tr>
              <th title="From the combined score of its findings">Severity</th>
              <th>Who or what</th>
              <th>When</th>
              <th>Detectors</th>
              <th>Findings</th>
            </tr>
          </thead>
          <tbody>
            {page.incidents.map((inc) => (
              <Fragment key={inc.id}>
                <IncidentRow incident={inc} expanded={open.has(inc.id)} onToggle={() => toggle(inc.id)} />
                {open.has(inc.id) && (
                  <tr className="incident-findings" id={`incident-${inc.id}-findings`}>
                    <td colSpan={5}>
                      <IncidentFindings incidentId={inc.id} ids={inc.anomaly_ids} />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      </div>
      <Pager
        label="Incident pages"
        offset={offset}
        limit={PAGE_SIZE}
        shown={page.incidents.length}
        total={page.total}
        onOffset={onOffset}
      />
    </>
  );
}

function IncidentRow({
  incident: inc,
  expanded,
  onToggle,
}: {
  incident: AnomalyIncident;
  expanded: boolean;
  onToggle: () => void;
}) {
  const span = spanSeconds(inc.start, inc.end);
  const count = inc.anomaly_ids.length;
  const hidden = inc.entities.slice(ENTITIES_SHOWN);
  return (
    <tr data-incident-id={inc.id}>
      <td>
        <span title={`Combined score ${inc.score.toFixed(2)}`}>
          <SeverityBadge severity={inc.severity} />
        </span>
      </td>
      <td>
        <div className="entity-list">
          {inc.entities.slice(0, ENTITIES_SHOWN).map((e) => {
            const { kind, name } = describeEntity(e);
            return (
              <span key={e} data-entity={e}>
                <span className="entity-kind">{kind}</span>
                <span className="mono">{name}</span>
              </span>
            );
          })}
          {hidden.length > 0 && (
            <span className="muted" title={hidden.join(", ")}>
              +{hidden.length} more
            </span>
          )}
        </div>
      </td>
      <td>
        <Time iso={inc.start} />
        {span > 0 && (
          <>
            {" → "}
            <Time iso={inc.end} />
            <div className="muted">over {formatDuration(span)}</div>
          </>
        )}
      </td>
      <td className="mono">{inc.detectors.join(", ")}</td>
      <td>
        <button
          type="button"
          className="incident-toggle"
          aria-expanded={expanded}
          aria-controls={expanded ? `incident-${inc.id}-findings` : undefined}
          onClick={onToggle}
        >
          {count} finding{count === 1 ? "" : "s"} {expanded ? "▾" : "▸"}
        </button>
      </td>
    </tr>
  );
}
