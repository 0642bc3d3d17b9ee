import type { FormEvent } from "react";
import { getJson, getPage } from "../api";
import { Time } from "../components/Badges";
import { offsetParam, Pager } from "../components/Pager";
import { Sparkline } from "../components/Sparkline";
import { Empty, ErrorState, Loading } from "../components/States";
import { Link, navigate, useLocation } from "../router";
import type { Template } from "../types";
import { useAsync } from "../useAsync";

const DAY = 86_400_000;
const PAGE_SIZE = 50;
/** Orders of GET /api/v1/templates `sort`, in words. */
const ORDERS = { rare: "Rarest first", newest: "Newest first", count: "Most frequent first" } as const;
type Order = keyof typeof ORDERS;

/**
 * One page of templates, searched and ordered by the server (rare first by default: a template seen a
 * handful of times is what an operator has not looked at yet), with lines per hour over 24 hours.
 */
async function load(query: URLSearchParams, signal: AbortSignal) {
  const api = new URLSearchParams({
    limit: String(PAGE_SIZE),
    offset: String(offsetParam(query.get("offset"))),
    sort: query.get("sort") ?? "rare",
  });
  for (const f of ["q", "stream"]) {
    const v = query.get(f);
    if (v) api.set(f, v);
  }
  const [page, activity] = await Promise.all([
    getPage<Template[]>(`/api/v1/templates?${api}`, signal),
    // Older servers have no activity route: the sparklines then stay flat rather than failing the page.
    getJson<{ series: Record<string, number[]> }>("/api/v1/templates/activity?hours=24", signal).catch(
      () => ({ series: {} as Record<string, number[]> }),
    ),
  ]);
  return { templates: page.items, total: page.total, series: activity.series };
}

export function TemplatesPage() {
  const { query } = useLocation();
  const qs = query.toString();
  const { state, reload } = useAsync((signal) => load(new URLSearchParams(qs), signal), [qs]);
  const offset = offsetParam(query.get("offset"));
  const searching = Boolean(query.get("q") || query.get("stream"));
  const now = Date.now();

  const setQuery = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(qs);
    for (const [k, v] of Object.entries(changes)) {
      if (v) next.set(k, v);
      else next.delete(k);
    }
    const s = next.toString();
    navigate(`/ui/templates${s ? `?${s}` : ""}`);
  };
  const search = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (k: string) => String(form.get(k) ?? "").trim() || null;
    setQuery({ q: text("q"), stream: text("stream"), sort: text("sort"), offset: null });
  };

  return (
    <>
      <div className="page-head">
        <h1>Templates</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      <form className="filters panel" onSubmit={search} key={qs} aria-label="Search templates">
        <label className="field">
          Search
          <input name="q" defaultValue={query.get("q") ?? ""} placeholder="Text of the template" />
        </label>
        <label className="field">
          Service
          <input name="stream" defaultValue={query.get("stream") ?? ""} placeholder="e.g. sshd" />
        </label>
        <label className="field">
          Order
          <select name="sort" defaultValue={query.get("sort") ?? "rare"}>
            {(Object.keys(ORDERS) as Order[]).map((o) => (
              <option key={o} value={o}>
                {ORDERS[o]}
              </option>
            ))}
          </select>
        </label>
        <button className="primary" type="submit">
          Search
        </button>
        <button type="button" onClick={() => navigate("/ui/templates")}>
          Clear
        </button>
      </form>
      {state.status === "error" && <ErrorState error={state.error} retry={reload} />}
      {state.status === "loading" && !state.data && <Loading what="templates" />}
      {state.data && state.data.templates.length === 0 && (
        <Empty title={searching ? "No template matches this search" : "No templates yet"}>
          {searching
            ? "Try fewer words or another service."
            : "Templates are mined from ingested logs. Send logs to POST /ingest, then refresh."}
        </Empty>
      )}
      {state.data && state.data.templates.length > 0 && (
        <div className="table-wrap">
          <table aria-label="Templates">
            <thead>
              <tr>
                <th>Template</th>
                <th>Service</th>
                <th>Count</th>
                <th>First seen</th>
                <th>Last seen</th>
                <th>Last 24 h</th>
              </tr>
            </thead>
            <tbody>
              {state.data.templates.map((t) => (
                <tr key={t.template_id}>
                  {/* Long templates wrap (anywhere, for tokens without spaces) instead of being cut. */}
                  <td className="mono desc wrap">
                    {now - Date.parse(t.first_seen) < DAY && <span className="status open">new</span>}{" "}
                    {t.count <= 5 && <span className="status acknowledged">rare</span>}{" "}
                    <Link
                      href={`/ui/logs?${new URLSearchParams({ template_id: t.template_id, service: t.stream, range: "all" })}`}
                      title="Show the lines of this template"
                    >
                      {t.template}
                    </Link>
                  </td>
                  <td>{t.stream}</td>
                  <td>
                    <Link
                      href={`/ui/logs?${new URLSearchParams({ template_id: t.template_id, service: t.stream, range: "all" })}`}
                      aria-label={`${t.count.toLocaleString()} lines of this template`}
                    >
                      {t.count.toLocaleString()}
                    </Link>
                  </td>
                  <td>
                    <Time iso={t.first_seen} />
                  </td>
                  <td>
                    <Time iso={t.last_seen} />
                  </td>
                  <td>
                    <Sparkline
                      values={state.data!.series[t.template_id] ?? new Array<number>(24).fill(0)}
                      label={`Lines per hour over the last 24 hours for template ${t.template_id}`}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {state.data && (
        <Pager
          label="Template pages"
          offset={offset}
          limit={PAGE_SIZE}
          shown={state.data.templates.length}
          total={state.data.total}
          onOffset={(o) => setQuery({ offset: o ? String(o) : null })}
        />
      )}
    </>
  );
}
