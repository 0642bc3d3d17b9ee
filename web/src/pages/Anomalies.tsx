import { type FormEvent, useEffect, useRef, useState } from "react";
import { ApiError, getJson, getPage, send } from "../api";
import { AnomalyViewToggle } from "../components/AnomalyViewToggle";
import { SeverityBadge, StatusBadge, Time } from "../components/Badges";
import { RangePicker } from "../components/RangePicker";
import { Empty, ErrorState, Loading } from "../components/States";
import { useLiveAnomalies } from "../live";
import { Link, navigate, useLocation } from "../router";
import { fromInputValue, humanizeSeconds, useZoneMode, type ZoneMode } from "../time";
import { apiRangeParams, rangeFrom, rangeFromBounds, setRangeParams, type TimeRange } from "../timeRange";
import { type AnomalyRow, SEVERITIES, type Severity, STATUSES, type Status } from "../types";
import { useAsync } from "../useAsync";
import { AnomalyIncidentsView } from "./AnomalyIncidents";

const PAGE_SIZE = 25;
/**
 * Filters kept in the URL, named as the API names them (`agent_name` is the detector, `kind` security
 * or operational as the detector registry declares it, `entity` an exact detector key).
 */
const FILTERS = [
  "kind",
  "severity",
  "status",
  "agent_name",
  "service",
  "q",
  "entity",
  "since",
  "until",
] as const;
type SortKey = "timestamp" | "severity" | "score" | "detector";

interface Row {
  id: number;
  detector: string;
  timestamp: string;
  description: string | null;
  score: number;
  severity?: Severity;
  status?: Status;
  service?: string | null;
  fresh?: boolean;
}

interface Brief {
  id: number;
  severity: Severity;
  status: Status;
  service: string | null;
}

/**
 * The list's time range: `range`/`from`/`to` as every page keeps it, else the `since`/`until` of older
 * links (read in the user's zone choice when they name none), else all findings.
 */
function findingsRange(query: URLSearchParams, mode: ZoneMode): TimeRange {
  const since = fromInputValue(query.get("since") ?? "", mode);
  const until = fromInputValue(query.get("until") ?? "", mode);
  return rangeFrom(query, rangeFromBounds(since, until));
}

/** Loads one page of the list, then the page's severity/status/service (the list keeps system 000's fields). */
async function loadPage(query: URLSearchParams, mode: ZoneMode, signal: AbortSignal) {
  const api = new URLSearchParams({ limit: String(PAGE_SIZE), with_total: "true" });
  for (const f of FILTERS) {
    const v = query.get(f);
    if (v && f !== "since" && f !== "until") api.set(f, v);
  }
  apiRangeParams(api, findingsRange(query, mode));
  const cursor = query.get("after")?.split(",").at(-1);
  if (cursor) api.set("cursor", cursor);
  const page = await getPage<AnomalyRow[]>(`/api/v1/anomalies?${api}`, signal);
  const ids = page.items.map((a) => a.id);
  const briefs = ids.length
    ? await getJson<Brief[]>(`/api/v1/anomaly-briefs?ids=${ids.join(",")}`, signal)
    : [];
  const byId = new Map(briefs.map((b) => [b.id, b]));
  const rows: Row[] = page.items.map((a) => ({
    id: a.id,
    detector: a.agent_name,
    timestamp: a.timestamp,
    description: a.description,
    score: a.confidence,
    ...byId.get(a.id),
  }));
  return { rows, nextCursor: page.nextCursor, total: page.total };
}

/** What the bulk bar can set on the selected rows (a false positive is judged one by one). */
const BULK_ACTIONS: { status: Status; label: string }[] = [
  { status: "acknowledged", label: "Acknowledge" },
  { status: "resolved", label: "Resolve" },
  { status: "open", label: "Reopen" },
];

const SEV_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

function sortRows(rows: Row[], key: SortKey, dir: "asc" | "desc"): Row[] {
  const value = (r: Row): string | number =>
    key === "severity"
      ? SEV_RANK[r.severity ?? "low"]
      : key === "score"
        ? r.score
        : key === "detector"
          ? r.detector
          : r.timestamp;
  const sign = dir === "asc" ? 1 : -1;
  return [...rows].sort((a, b) => (value(a) < value(b) ? -sign : value(a) > value(b) ? sign : b.id - a.id));
}

/** The Anomalies page: the flat list of findings, or (`view=incidents`) the same grouped into incidents. */
export function AnomaliesPage() {
  const { query } = useLocation();
  return query.get("view") === "incidents" ? <AnomalyIncidentsView /> : <FindingsView />;
}

function FindingsView() {
  const { query } = useLocation();
  const qs = query.toString();
  // From/To are typed in the user's zone choice (web/src/time.ts).
  const mode = useZoneMode();
  const { state, reload } = useAsync((signal) => loadPage(new URLSearchParams(qs), mode, signal), [qs, mode]);
  const [live, setLive] = useState<Row[]>([]);
  const search = useRef<HTMLInputElement>(null);
  const sort = (query.get("sort") as SortKey | null) ?? "timestamp";
  const dir = query.get("dir") === "asc" ? "asc" : "desc";
  const firstPage = !query.get("after");
  const [selected, setSelected] = useState<Set<number>>(new Set());
  const [bulkMessage, setBulkMessage] = useState<string | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: new filters or another page start afresh.
  useEffect(() => {
    setLive([]);
    setSelected(new Set());
  }, [qs]);

  const toggle = (id: number) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  /** One request for every selected row (PATCH /api/v1/anomalies), then the page reloads. */
  const applyBulk = async (status: Status) => {
    const ids = [...selected];
    try {
      const res = await send<{ updated: number[] }>("PATCH", "/api/v1/anomalies", { ids, status });
      setBulkMessage(`${res.updated.length} marked ${status.replace("_", " ")}`);
      setSelected(new Set());
      setLive([]);
      reload();
    } catch (err) {
      setBulkMessage(
        err instanceof ApiError && err.status === 403
          ? "Changing a status needs a token with the admin scope."
          : `Could not change the status: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  };

  useLiveAnomalies((a) => {
    // Only the first page shows new rows, and only those the filters would list.
    const sev = query.get("severity")?.split(",");
    const st = query.get("status")?.split(",");
    if (!firstPage) return;
    // A past range does not take new findings.
    if (findingsRange(query, mode).kind === "absolute") return;
    // Kind and entity are judged by the server (the registry, the detector key): Refresh shows new ones.
    if (query.get("kind") || query.get("entity")) return;
    if (sev && !sev.includes(a.severity)) return;
    if (st && !st.includes(a.status)) return;
    if (query.get("agent_name") && query.get("agent_name") !== a.detector) return;
    if (query.get("service") && query.get("service") !== a.service) return;
    const q = query.get("q")?.toLowerCase();
    if (q && !(a.description ?? "").toLowerCase().includes(q)) return;
    setLive((rows) => [{ ...a, fresh: true }, ...rows.filter((r) => r.id !== a.id)]);
  });

  // Console-style keys: "/" focuses the search box, j/k move between rows.
  useEffect(() => {
    const key = (e: KeyboardEvent) => {
      const tag = (e.target as HTMLElement | null)?.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || e.metaKey || e.ctrlKey || e.altKey)
        return;
      if (e.key === "/") {
        e.preventDefault();
        search.current?.focus();
      } else if (e.key === "j" || e.key === "k") {
        // j/k move between rows (focus on each row's link, so Enter opens it).
        const links = [...document.querySelectorAll<HTMLAnchorElement>("tr[data-anomaly-id] a")];
        const at = links.indexOf(document.activeElement as HTMLAnchorElement);
        const next = links[e.key === "j" ? Math.min(links.length - 1, at + 1) : Math.max(0, at - 1)];
        next?.focus();
      }
    };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, []);

  const setQuery = (changes: Record<string, string | null>, keepPage = false) => {
    const next = new URLSearchParams(qs);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    if (!keepPage) next.delete("after");
    const s = next.toString();
    navigate(`/ui/anomalies${s ? `?${s}` : ""}`);
  };

  const applyFilters = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const changes: Record<string, string | null> = {};
    for (const f of FILTERS)
      if (f !== "since" && f !== "until") changes[f] = String(form.get(f) ?? "").trim() || null;
    setQuery(changes);
  };
  const range = findingsRange(query, mode);
  /** A new range replaces any older since/until and starts at the first page. */
  const setRange = (r: TimeRange) => {
    const next = setRangeParams(new URLSearchParams(qs), r);
    next.delete("since");
    next.delete("until");
    next.delete("after");
    navigate(`/ui/anomalies?${next}`);
  };

  const loaded = state.data?.rows ?? [];
  const ids = new Set(loaded.map((r) => r.id));
  const rows = sortRows([...live.filter((r) => !ids.has(r.id)), ...loaded], sort, dir);
  const trail = query.get("after")?.split(",") ?? [];
  const total = state.data?.total ?? null;
  const firstRow = trail.length * PAGE_SIZE + 1;
  const allSelected = rows.length > 0 && rows.every((r) => selected.has(r.id));

  const header = (key: SortKey, label: string) => (
    <th aria-sort={sort === key ? (dir === "asc" ? "ascending" : "descending") : "none"}>
      <button
        type="button"
        className="sort-button"
        onClick={() => setQuery({ sort: key, dir: sort === key && dir === "desc" ? "asc" : "desc" }, true)}
      >
        {label}
        {sort === key ? (dir === "asc" ? " ▲" : " ▼") : ""}
      </button>
    </th>
  );

  return (
    <>
      <div className="page-head">
        <div className="head-title">
          <h1>Anomalies</h1>
          <AnomalyViewToggle view="findings" />
        </div>
        <div className="head-title">
          <RangePicker range={range} onChange={setRange} />
          <button type="button" onClick={reload}>
            Refresh
          </button>
        </div>
      </div>
      <form className="filters panel" onSubmit={applyFilters} key={qs} aria-label="Filter anomalies">
        <label className="field">
          Search
          <input
            ref={search}
            name="q"
            defaultValue={query.get("q") ?? ""}
            placeholder="Text, user, IP…  ( / )"
          />
        </label>
        <label className="field">
          Entity
          <input
            name="entity"
            defaultValue={query.get("entity") ?? ""}
            placeholder="exact key, e.g. ip:1.2.3.4"
          />
        </label>
        <label className="field">
          Kind
          <select name="kind" defaultValue={query.get("kind") ?? ""}>
            <option value="">Any</option>
            <option value="security">Security findings</option>
            <option value="operational">Operational</option>
          </select>
        </label>
        <label className="field">
          Severity
          <select name="severity" defaultValue={query.get("severity") ?? ""}>
            <option value="">Any</option>
            {SEVERITIES.map((s) => (
              <option key={s}>{s}</option>
            ))}
            <option value="high,critical">high and critical</option>
          </select>
        </label>
        <label className="field">
          Status
          <select name="status" defaultValue={query.get("status") ?? ""}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.replace("_", " ")}
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          Detector
          <input
            name="agent_name"
            defaultValue={query.get("agent_name") ?? ""}
            placeholder="e.g. error_burst"
          />
        </label>
        <label className="field">
          Service
          <input name="service" defaultValue={query.get("service") ?? ""} placeholder="e.g. auth" />
        </label>
        <button className="primary" type="submit">
          Apply
        </button>
        <button type="button" onClick={() => navigate("/ui/anomalies")}>
          Clear
        </button>
      </form>
      {state.status === "error" && <ErrorState error={state.error} retry={reload} />}
      {state.status === "loading" && !state.data && <Loading what="anomalies" />}
      {state.data && rows.length === 0 && (
        <Empty
          title={FILTERS.some((f) => query.get(f)) ? "No anomaly matches these filters" : "No anomalies yet"}
        >
          {FILTERS.some((f) => query.get(f))
            ? "Widen the time range or clear a filter."
            : "Send logs to POST /ingest (or a configured source); new anomalies appear here as they are found."}
        </Empty>
      )}
      {rows.length > 0 && (
        <div className="filters" role="toolbar" aria-label="Selected anomalies">
          <span>
            {selected.size === 0
              ? "Select rows to change their status together"
              : `${selected.size} selected`}
          </span>
          {BULK_ACTIONS.map((a) => (
            <button
              key={a.status}
              type="button"
              disabled={selected.size === 0}
              onClick={() => applyBulk(a.status)}
            >
              {a.label}
            </button>
          ))}
          {bulkMessage && <span role="status">{bulkMessage}</span>}
        </div>
      )}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table aria-label="Anomalies" aria-busy={state.status === "loading"}>
            <thead>
              <tr>
                <th>
                  <input
                    type="checkbox"
                    aria-label="Select every row on this page"
                    checked={allSelected}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(rows.map((r) => r.id)))}
                  />
                </th>
                {header("severity", "Severity")}
                {header("timestamp", "Time")}
                {header("detector", "Detector")}
                <th>Service</th>
                <th>Description</th>
                {header("score", "Score")}
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} className={r.fresh ? "fresh" : undefined} data-anomaly-id={r.id}>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`Select anomaly ${r.id}`}
                      checked={selected.has(r.id)}
                      onChange={() => toggle(r.id)}
                    />
                  </td>
                  <td>
                    <SeverityBadge severity={r.severity} />
                  </td>
                  <td>
                    <Time iso={r.timestamp} />
                  </td>
                  <td className="mono">{r.detector}</td>
                  <td>{r.service ?? <span className="muted">—</span>}</td>
                  <td className="desc">
                    <Link href={`/ui/anomalies/${r.id}`}>
                      {r.description ? humanizeSeconds(r.description) : `${r.detector} finding`}
                    </Link>
                  </td>
                  <td>{r.score.toFixed(2)}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav className="pager" aria-label="Pages">
        <span role="status">
          {total === null
            ? `Page ${trail.length + 1}`
            : `${loaded.length ? firstRow.toLocaleString() : 0}–${(firstRow - 1 + loaded.length).toLocaleString()} of ${total.toLocaleString()}`}{" "}
          · sorted within the page; the server pages newest first
        </span>
        <button
          type="button"
          disabled={trail.length === 0}
          onClick={() => setQuery({ after: trail.slice(0, -1).join(",") || null }, true)}
        >
          Previous
        </button>
        <button
          type="button"
          disabled={!state.data?.nextCursor}
          onClick={() => setQuery({ after: [...trail, state.data!.nextCursor!].join(",") }, true)}
        >
          Next
        </button>
      </nav>
    </>
  );
}
