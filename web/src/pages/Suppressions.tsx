import { type FormEvent, useState } from "react";
import { ApiError, getJson, send } from "../api";
import { Time } from "../components/Badges";
import { Empty, ErrorState, Loading } from "../components/States";
import { describeSuppression } from "../components/VerdictDialog";
import { Link, navigate, useLocation } from "../router";
import type { Suppression } from "../types";
import { useAsync } from "../useAsync";

const STATES = ["active", "lifted", "expired", "all"] as const;

/**
 * What false-positive verdicts mute: who made each suppression, why, when, until when and how many
 * findings it has dropped since. Filters live in the URL (`?detector=&entity=&q=&state=`) so the
 * anomaly page can link to one entity's suppressions. Revoking needs the admin scope.
 */
export function SuppressionsPage() {
  const { query } = useLocation();
  const filters = {
    detector: query.get("detector") ?? "",
    entity: query.get("entity") ?? "",
    q: query.get("q") ?? "",
    state: query.get("state") ?? "active",
  };
  const search = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== "")).toString();
  const { state, reload } = useAsync(
    (signal) => getJson<{ items: Suppression[]; total: number }>(`/api/v1/suppressions?${search}`, signal),
    [search],
  );
  const [draft, setDraft] = useState(filters);
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);

  const apply = (e: FormEvent) => {
    e.preventDefault();
    const next = new URLSearchParams(Object.entries(draft).filter(([, v]) => v !== "")).toString();
    navigate(`/ui/suppressions${next ? `?${next}` : ""}`);
  };

  const revoke = async (s: Suppression) => {
    if (!window.confirm(`Revoke suppression #${s.id}? ${describeSuppression(s)} will be reported again.`))
      return;
    setMessage(null);
    try {
      await send<Suppression>("DELETE", `/api/v1/suppressions/${s.id}`);
      setMessage({
        error: false,
        text: `Suppression #${s.id} revoked: ${s.detector} reports ${s.entity ?? "it"} again.`,
      });
      reload();
    } catch (err) {
      setMessage({
        error: true,
        text:
          err instanceof ApiError && err.status === 403
            ? "Revoking a suppression needs a token with the admin scope."
            : err instanceof Error
              ? err.message
              : String(err),
      });
    }
  };

  return (
    <>
      <div className="page-head">
        <h1>Suppressions</h1>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </div>
      <p className="muted">
        A false-positive verdict suppresses that detector's findings on that entity that are no stronger than
        the judged one, until it expires or is revoked. Stronger findings still fire.
      </p>
      <form className="filters" onSubmit={apply} aria-label="Filter suppressions">
        <label className="field">
          Detector
          <input value={draft.detector} onChange={(e) => setDraft({ ...draft, detector: e.target.value })} />
        </label>
        <label className="field">
          Entity
          <input
            value={draft.entity}
            placeholder="ip:10.0.0.5"
            onChange={(e) => setDraft({ ...draft, entity: e.target.value })}
          />
        </label>
        <label className="field">
          Text
          <input value={draft.q} onChange={(e) => setDraft({ ...draft, q: e.target.value })} />
        </label>
        <label className="field">
          State
          <select value={draft.state} onChange={(e) => setDraft({ ...draft, state: e.target.value })}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
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
      {state.status === "loading" && !state.data && <Loading what="suppressions" />}
      {state.data && state.data.items.length === 0 && (
        <Empty title="No suppressions match">
          Marking an anomaly a false positive creates one; change the filters to see revoked or expired ones.
        </Empty>
      )}
      {state.data && state.data.items.length > 0 && (
        <div className="table-wrap">
          <table aria-label="Suppressions">
            <thead>
              <tr>
                <th>#</th>
                <th>What</th>
                <th>By</th>
                <th>Why</th>
                <th>Created</th>
                <th>Until</th>
                <th>Suppressed</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {state.data.items.map((s) => (
                <tr key={s.id}>
                  <td>{s.id}</td>
                  <td>
                    {describeSuppression(s)}
                    {s.anomaly_id !== null && (
                      <>
                        {" "}
                        (<Link href={`/ui/anomalies/${s.anomaly_id}`}>anomaly #{s.anomaly_id}</Link>)
                      </>
                    )}
                  </td>
                  <td>{s.created_by ?? "-"}</td>
                  <td>{s.reason ?? ""}</td>
                  <td>
                    <Time iso={s.created_at} />
                  </td>
                  <td>
                    {s.lifted_at ? (
                      <>
                        revoked <Time iso={s.lifted_at} /> by {s.lifted_by ?? "?"}
                      </>
                    ) : s.expires_at ? (
                      <Time iso={s.expires_at} />
                    ) : (
                      "until revoked"
                    )}
                  </td>
                  <td>
                    {s.suppressed_count}
                    {s.last_suppressed_at && (
                      <span className="muted">
                        {" "}
                        (last <Time iso={s.last_suppressed_at} />)
                      </span>
                    )}
                  </td>
                  <td>
                    {s.active && (
                      <button type="button" className="danger" onClick={() => revoke(s)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {state.data.total > state.data.items.length && (
            <p className="muted">
              Showing {state.data.items.length} of {state.data.total}; narrow the filters to see the rest.
            </p>
          )}
        </div>
      )}
    </>
  );
}
