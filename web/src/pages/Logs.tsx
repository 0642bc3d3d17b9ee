import { type FormEvent, useState } from "react";
import { getJson, getPage } from "../api";
import { CountChart } from "../components/CountChart";
import { LinkedText } from "../components/LinkedText";
import { LogContextRows } from "../components/LogContext";
import { RangePicker } from "../components/RangePicker";
import { Empty, ErrorState, Loading } from "../components/States";
import { TemplateText } from "../components/TemplateText";
import { Link, navigate, useLocation } from "../router";
import { formatTime, useZoneMode } from "../time";
import { apiRangeParams, rangeFrom, setRangeParams, type TimeRange } from "../timeRange";
import type { LogHistogram, LogLine, Template } from "../types";
import { useAsync } from "../useAsync";

const PAGE_SIZE = 100;
const BUCKETS = 60;

/**
 * The page's URL for a filter and range: every search is a link (shareable, back button works).
 * `template` is GET /api/v1/logs's `template_id` (ids, comma-separated), as Overview and Templates link it.
 */
function logsHref(q: string, service: string, range: TimeRange, template = ""): string {
  const p = new URLSearchParams();
  if (q) p.set("q", q);
  if (service) p.set("service", service);
  if (template) p.set("template_id", template);
  setRangeParams(p, range);
  return `/ui/logs?${p}`;
}

export function LogsPage() {
  const { query } = useLocation();
  const q = query.get("q") ?? "";
  const service = query.get("service") ?? "";
  const template = query.get("template_id") ?? "";
  // "All data" by default: imported history (years old) shows at once, like a fresh Kibana index pattern.
  const range = rangeFrom(query, { kind: "all" });
  const rangeKey = JSON.stringify(range);
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    navigate(
      logsHref(String(f.get("q") ?? "").trim(), String(f.get("service") ?? "").trim(), range, template),
    );
  };
  return (
    <>
      <div className="page-head">
        <h1>Logs</h1>
        <RangePicker range={range} onChange={(r) => navigate(logsHref(q, service, r, template))} />
      </div>
      {template && <TemplateFilter ids={template} clearHref={logsHref(q, service, range)} />}
      <form className="filters panel" onSubmit={submit} key={`${q}|${service}`} aria-label="Search logs">
        <label className="field" style={{ flex: 1 }}>
          Contains
          <input name="q" defaultValue={q} placeholder="Words in the message (case-insensitive)" />
        </label>
        <label className="field">
          Service
          <input name="service" defaultValue={service} />
        </label>
        <button className="primary" type="submit">
          Search
        </button>
      </form>
      {/* Keyed by the whole filter: a new search starts again at the first page. */}
      <Results
        key={`${q}|${service}|${template}|${rangeKey}`}
        q={q}
        service={service}
        template={template}
        range={range}
      />
    </>
  );
}

/** The template the lines are filtered to, by its text (the first id's), with a way out of the filter. */
function TemplateFilter({ ids, clearHref }: { ids: string; clearHref: string }) {
  const first = ids.split(",")[0] ?? "";
  const { state } = useAsync(
    (signal) => getJson<Template>(`/api/v1/templates/${encodeURIComponent(first)}`, signal),
    [first],
  );
  return (
    <p className="panel filter-note" data-testid="template-filter">
      Lines of the template <span className="mono wrap">{state.data ? state.data.template : first}</span>{" "}
      <Link href={clearHref}>Show every template</Link>
    </p>
  );
}

function Results({
  q,
  service,
  template,
  range,
}: {
  q: string;
  service: string;
  template: string;
  range: TimeRange;
}) {
  const mode = useZoneMode();
  // The bounds of a relative range are fixed when the search starts, so every page and the chart agree.
  const [now] = useState(() => Date.now());
  const filter = apiRangeParams(new URLSearchParams(), range, now);
  if (q) filter.set("q", q);
  if (service) filter.set("service", service);
  if (template) filter.set("template_id", template);
  const filterText = filter.toString();
  /** cursors[i] opens page i (page 0 has none). */
  const [cursors, setCursors] = useState<string[]>([""]);
  const [pageIndex, setPageIndex] = useState(0);
  const [open, setOpen] = useState<number | null>(null);
  const histogram = useAsync(
    (signal) => getJson<LogHistogram>(`/api/v1/logs/histogram?${filterText}&buckets=${BUCKETS}`, signal),
    [filterText],
  );
  const cursor = cursors[pageIndex] ?? "";
  const { state, reload } = useAsync(
    (signal) => {
      const p = new URLSearchParams(filterText);
      p.set("limit", String(PAGE_SIZE));
      if (cursor) p.set("cursor", cursor);
      return getPage<LogLine[]>(`/api/v1/logs?${p}`, signal);
    },
    [filterText, cursor],
  );
  const searchFor = (value: string) => logsHref(value, "", range);
  const h = histogram.state.data;
  const page = state.data;
  const next = page?.nextCursor ?? null;
  const goNext = () => {
    if (!next) return;
    setCursors((c) => [...c.slice(0, pageIndex + 1), next]);
    setPageIndex(pageIndex + 1);
    setOpen(null);
  };
  const first = pageIndex * PAGE_SIZE + 1;
  return (
    <>
      <section className="panel" aria-labelledby="log-histogram" style={{ marginBottom: 14 }}>
        <h2 id="log-histogram">
          Lines over time{" "}
          {h?.since && h.until && (
            <span className="muted" data-testid="histogram-total">
              {h.total.toLocaleString()} lines, {formatTime(h.since, mode, { precision: "minutes" })} →{" "}
              {formatTime(h.until, mode, { precision: "minutes" })}
            </span>
          )}
        </h2>
        {histogram.state.status === "error" && (
          <ErrorState error={histogram.state.error} retry={histogram.reload} />
        )}
        {h && h.buckets.length > 0 && (
          <CountChart
            buckets={h.buckets.map((b) => ({ start: Date.parse(b.start), count: b.count }))}
            intervalMs={h.interval_ms}
            label="Matching log lines over time"
            onPick={(from, to) => navigate(logsHref(q, service, { kind: "absolute", from, to }, template))}
          />
        )}
      </section>
      {state.status === "error" && <ErrorState error={state.error} retry={reload} />}
      {state.status === "loading" && !page && <Loading what="log lines" />}
      {page && page.items.length === 0 && pageIndex === 0 && (
        <Empty title={q ? `No stored line in this range contains “${q}”` : "No log lines in this range"}>
          {q
            ? "Try a shorter word, another service, or a wider time range."
            : "Pick “All data” or another range, or send logs to POST /ingest."}
        </Empty>
      )}
      {page && page.items.length > 0 && (
        <>
          <div className="table-wrap">
            <table aria-label="Log lines">
              <thead>
                <tr>
                  <th>Time</th>
                  <th>Service</th>
                  <th>Level</th>
                  <th>Message and template</th>
                  <th>
                    <span className="sr-only">Surrounding lines</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((l) => (
                  <LogRow
                    key={l.id}
                    line={l}
                    searchFor={searchFor}
                    open={open === l.id}
                    toggle={() => setOpen(open === l.id ? null : l.id)}
                  />
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages of log lines">
            <button type="button" disabled={pageIndex === 0} onClick={() => setPageIndex(pageIndex - 1)}>
              ← Newer
            </button>
            <span className="muted" data-testid="log-page">
              Lines {first.toLocaleString()}–{(first + page.items.length - 1).toLocaleString()}
              {h ? ` of ${h.total.toLocaleString()}` : ""}
            </span>
            <button type="button" disabled={!next} onClick={goNext}>
              Older →
            </button>
          </nav>
        </>
      )}
    </>
  );
}

/** KiB of a shown message (its UTF-8 bytes, rounded). */
function shownKiB(text: string): number {
  return Math.round(new TextEncoder().encode(text).length / 1024);
}

function LogRow({
  line: l,
  searchFor,
  open,
  toggle,
}: {
  line: LogLine;
  searchFor: (value: string) => string;
  open: boolean;
  toggle: () => void;
}) {
  const mode = useZoneMode();
  const linked = (text: string) => <LinkedText text={text} hrefFor={searchFor} />;
  return (
    <>
      <tr className={open ? "selected" : undefined}>
        <td className="mono" style={{ whiteSpace: "nowrap" }}>
          <time dateTime={l.timestamp} title={l.timestamp}>
            {formatTime(l.timestamp, mode)}
          </time>
        </td>
        <td>{l.service}</td>
        <td>{l.level ?? "—"}</td>
        <td>
          <div className="log-message">
            {/* A cut line or template shows as text: the template's values are in the part not shown. */}
            {l.template && !l.truncated && !l.template_truncated ? (
              <TemplateText template={l.template} message={l.message} renderValue={linked} />
            ) : (
              <span className="mono">{linked(l.message)}</span>
            )}
          </div>
          {l.truncated && (
            <p className="muted cut-note" data-testid="line-cut-note">
              First {shownKiB(l.message)} KiB of {(l.message_bytes ?? 0).toLocaleString()} bytes shown;
              "Surrounding lines" shows the whole line.
            </p>
          )}
        </td>
        <td>
          <button type="button" className="link" aria-expanded={open} onClick={toggle}>
            {open ? "Hide context" : "Surrounding lines"}
          </button>
        </td>
      </tr>
      {open && (
        <tr>
          <td colSpan={5}>
            <LogContextRows id={l.id} searchFor={searchFor} />
          </td>
        </tr>
      )}
    </>
  );
}
