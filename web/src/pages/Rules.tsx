import { type FormEvent, useState } from "react";
import { ApiError, getJson, send } from "../api";
import { SeverityBadge, Time } from "../components/Badges";
import { Empty, ErrorState, Loading } from "../components/States";
import { Link, navigate, useLocation } from "../router";
import { useAsync } from "../useAsync";

interface Rule {
  id: string;
  name: string | null;
  title: string;
  kind: "detection" | "correlation";
  source: string;
  level: string;
  status: string | null;
  tags: string[];
  standalone: boolean;
  enabled: boolean;
  file: string;
  hits: number;
  last_match: string | null;
}

interface Refused {
  source: string;
  id: string | null;
  title: string | null;
  kind: string;
  reason: string;
}

interface PerDay {
  days: string[];
  rules: Record<string, number[]>;
}

const CHART_DAYS = 14;

/** Stored findings per day as small bars (the exact counts in the label and tooltip). */
function DailyFindings({
  days,
  counts,
  title,
}: {
  days: string[];
  counts: number[] | undefined;
  title: string;
}) {
  const values = counts ?? days.map(() => 0);
  const total = values.reduce((a, b) => a + b, 0);
  const max = Math.max(1, ...values);
  const label = `${title}: ${total} finding${total === 1 ? "" : "s"} stored in the last ${days.length} days`;
  const w = 4;
  const h = 18;
  return (
    <svg
      className="daily-findings"
      role="img"
      aria-label={label}
      width={days.length * (w + 1)}
      height={h}
      viewBox={`0 0 ${days.length * (w + 1)} ${h}`}
    >
      <title>{`${label}\n${days.map((d, i) => `${d}: ${values[i] ?? 0}`).join("\n")}`}</title>
      {values.map((v, i) => {
        const bar = v === 0 ? 1 : Math.max(2, Math.round((v / max) * h));
        return (
          <rect
            key={days[i]}
            x={i * (w + 1)}
            y={h - bar}
            width={w}
            height={bar}
            fill="currentColor"
            opacity={v === 0 ? 0.25 : 1}
          />
        );
      })}
    </svg>
  );
}

interface Listing {
  enabled: boolean;
  rules: Rule[];
  refused: Refused[];
}

/** The findings of one rule: sigma findings whose description names the rule's title (all time). */
export function ruleFindingsHref(rule: Pick<Rule, "title">): string {
  return `/ui/anomalies?${new URLSearchParams({ agent_name: "sigma", q: `"${rule.title}"` })}`;
}

/**
 * The Sigma rules the pipeline runs (GET /api/v1/rules): what each detects, its hits and last match, the
 * rules refused with their reasons. The search lives in the URL (`?search=`). Switching a rule off or on
 * (PATCH /api/v1/rules/{id}) needs the admin scope.
 */
export function RulesPage() {
  const { query } = useLocation();
  const search = query.get("search") ?? "";
  const { state, reload } = useAsync(
    (signal) =>
      getJson<Listing>(`/api/v1/rules${search ? `?${new URLSearchParams({ search })}` : ""}`, signal),
    [search],
  );
  // Stored findings per rule and day: a chart beside each rule's hits (an error leaves the chart out).
  const perDay = useAsync(
    (signal) =>
      getJson<PerDay>(`/api/v1/rules/findings-per-day?days=${CHART_DAYS}`, signal).catch(() => null),
    [],
  );
  const [draft, setDraft] = useState(search);
  const [busy, setBusy] = useState<string | null>(null);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next = draft.trim();
    navigate(`/ui/rules${next ? `?${new URLSearchParams({ search: next })}` : ""}`);
  };

  const toggle = async (rule: Rule) => {
    setMessage(null);
    setBusy(rule.id);
    try {
      const updated = await send<Rule>("PATCH", `/api/v1/rules/${encodeURIComponent(rule.id)}`, {
        enabled: !rule.enabled,
      });
      setMessage({
        error: false,
        text: updated.enabled
          ? `"${rule.title}" is on again: its matches are findings from now on.`
          : `"${rule.title}" is off: it raises nothing and counts no hits until switched on.`,
      });
      reload();
      perDay.reload();
    } catch (err) {
      setMessage({
        error: true,
        text:
          err instanceof ApiError && err.status === 403
            ? "Switching a rule on or off needs a token with the admin scope."
            : err instanceof Error
              ? err.message
              : String(err),
      });
    } finally {
      setBusy(null);
    }
  };

  const data = state.data;
  return (
    <>
      <div className="page-head">
        <h1>Rules</h1>
        <button
          type="button"
          onClick={() => {
            reload();
            perDay.reload();
          }}
        >
          Refresh
        </button>
      </div>
      <p className="muted">
        Sigma rules every incoming record is checked against. A detection rule describes one suspicious event;
        a correlation counts such events over time. Hits are the matches since the detector's state began; the
        bars are the findings stored per day (repeats merged into one finding count once). A rule that only
        feeds a correlation raises no finding of its own.
      </p>
      <form className="filters" onSubmit={apply} aria-label="Search rules">
        <label className="field">
          Search
          <input
            value={draft}
            placeholder="title, id, name or tag (t1110)"
            onChange={(e) => setDraft(e.target.value)}
          />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      {message && (
        <p role={message.error ? "alert" : "status"} className={message.error ? "state error" : "muted"}>
          {message.text}
        </p>
      )}
      {state.status === "error" && <ErrorState error={state.error} retry={reload} />}
      {state.status === "loading" && !data && <Loading what="rules" />}
      {data && !data.enabled && (
        <Empty title="No Sigma rules are loaded">
          Put Sigma rule files (YAML) in a folder and start the server with <code>SIGMA_RULES_DIR</code>{" "}
          pointing at it, for example the shipped <code>rules/</code> folder.{" "}
          <code>logwarden rules test</code> tries rules on a log file first (docs/sigma.md).
        </Empty>
      )}
      {data?.enabled && data.rules.length === 0 && (
        <Empty title={search ? "No rules match" : "No rules loaded"}>
          {search
            ? "Search matches part of a title, id, name or tag."
            : "The rules folder holds no rule that could be used; the refused ones are below."}
        </Empty>
      )}
      {data?.enabled && data.rules.length > 0 && (
        <div className="table-wrap">
          <table aria-label="Rules">
            <thead>
              <tr>
                <th>Title</th>
                <th>Level</th>
                <th>Kind</th>
                <th>Log source</th>
                <th>Tags</th>
                <th>Hits</th>
                <th>Findings ({CHART_DAYS} days)</th>
                <th>Last match</th>
                <th>Enabled</th>
              </tr>
            </thead>
            <tbody>
              {data.rules.map((r) => (
                <tr key={r.id} className={r.enabled ? undefined : "muted"}>
                  <td>
                    {r.title}
                    <div className="muted">
                      <code>{r.id}</code> · {r.file}
                    </div>
                  </td>
                  <td>
                    <SeverityBadge severity={r.level} />
                  </td>
                  <td>
                    {r.kind}
                    {!r.standalone && <div className="muted">feeds a correlation</div>}
                  </td>
                  <td>
                    <code>{r.source}</code>
                  </td>
                  <td>{r.tags.join(", ")}</td>
                  <td>
                    {r.hits > 0 && r.standalone ? (
                      <Link href={ruleFindingsHref(r)} title="This rule's findings on the Anomalies page">
                        {r.hits}
                      </Link>
                    ) : (
                      r.hits
                    )}
                  </td>
                  <td>
                    {r.standalone && perDay.state.data ? (
                      <DailyFindings
                        days={perDay.state.data.days}
                        counts={perDay.state.data.rules[r.id]}
                        title={r.title}
                      />
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>{r.last_match ? <Time iso={r.last_match} /> : "never"}</td>
                  <td>
                    <label>
                      <input
                        type="checkbox"
                        checked={r.enabled}
                        disabled={busy === r.id}
                        onChange={() => toggle(r)}
                        aria-label={`Enabled: ${r.title}`}
                      />{" "}
                      {r.enabled ? "on" : "off"}
                    </label>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && data.refused.length > 0 && (
        <>
          <h2>Refused rules</h2>
          <p className="muted">These files were read but not used; each reason says why.</p>
          <div className="table-wrap">
            <table aria-label="Refused rules">
              <thead>
                <tr>
                  <th>File</th>
                  <th>Title</th>
                  <th>Kind</th>
                  <th>Reason</th>
                </tr>
              </thead>
              <tbody>
                {data.refused.map((f) => (
                  <tr key={`${f.source}:${f.id ?? ""}`}>
                    <td>{f.source}</td>
                    <td>{f.title ?? "-"}</td>
                    <td>{f.kind}</td>
                    <td>{f.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </>
  );
}
