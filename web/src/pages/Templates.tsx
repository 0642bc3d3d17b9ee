import { getJson } from "../api";
import { Time } from "../components/Badges";
import { Sparkline } from "../components/Sparkline";
import { Empty, ErrorState, Loading } from "../components/States";
import type { Template } from "../types";
import { useAsync } from "../useAsync";

const DAY = 86_400_000;

/**
 * New and rare first: a template first seen in the last day, or seen only a handful of times, is what
 * an operator has not looked at yet. The sparkline is lines per hour over the last 24 hours.
 */
function rank(templates: Template[], now: number) {
  const isNew = (t: Template) => now - Date.parse(t.first_seen) < DAY;
  const isRare = (t: Template) => t.count <= 5;
  const score = (t: Template) => (isNew(t) ? 2 : 0) + (isRare(t) ? 1 : 0);
  return [...templates]
    .sort((a, b) => score(b) - score(a) || a.count - b.count)
    .map((t) => ({ ...t, isNew: isNew(t), isRare: isRare(t) }));
}

export function TemplatesPage() {
  const { state, reload } = useAsync(
    (signal) =>
      Promise.all([
        getJson<Template[]>("/api/v1/templates?limit=2000", signal),
        // Older servers have no activity route: the sparklines then stay flat rather than failing the page.
        getJson<{ series: Record<string, number[]> }>("/api/v1/templates/activity?hours=24", signal).catch(
          () => ({ series: {} as Record<string, number[]> }),
        ),
      ]).then(([templates, activity]) => ({ templates, series: activity.series })),
    [],
  );
  const now = Date.now();
  return (
    <>
      <div className="page-head">
        <h1>Templates</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      {state.status === "error" && <ErrorState error={state.error} retry={reload} />}
      {state.status === "loading" && !state.data && <Loading what="templates" />}
      {state.data && state.data.templates.length === 0 && (
        <Empty title="No templates yet">
          Templates are mined from ingested logs and saved every few seconds. Send logs to POST /ingest, then
          refresh.
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
              {rank(state.data.templates, now).map((t) => (
                <tr key={t.template_id}>
                  <td className="mono desc">
                    {t.isNew && <span className="status open">new</span>}{" "}
                    {t.isRare && <span className="status acknowledged">rare</span>} {t.template}
                  </td>
                  <td>{t.stream}</td>
                  <td>{t.count.toLocaleString()}</td>
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
    </>
  );
}
