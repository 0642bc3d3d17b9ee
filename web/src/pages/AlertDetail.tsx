import { useState } from "react";
import type { AlertDetail } from "../alert-types";
import { ApiError, getJson, send } from "../api";
import { SeverityBadge, Time, toSeverity } from "../components/Badges";
import { Remediation } from "../components/Remediation";
import { Empty, ErrorState, Loading } from "../components/States";
import { Link } from "../router";
import { useAsync } from "../useAsync";

/** A value of the risk model's inputs or of a context row, shown compactly. */
function Value({ v }: { v: unknown }) {
  if (v === null || v === undefined) return <span className="muted">—</span>;
  if (typeof v === "object") return <code>{JSON.stringify(v)}</code>;
  return <>{String(v)}</>;
}

/**
 * The risk model's inputs with the points each one contributed (`contributions`), so the score can be
 * read as a sum; the model's weights and other bookkeeping fold away under "Model details".
 */
function RiskInputs({ inputs }: { inputs: Record<string, unknown> }) {
  const contributions = Array.isArray(inputs.contributions)
    ? (inputs.contributions as { input?: unknown; points?: unknown }[])
    : [];
  const points = new Map(contributions.map((c) => [String(c.input), Number(c.points)]));
  const BOOKKEEPING = ["contributions", "weights", "model"];
  const rows = Object.entries(inputs).filter(([k]) => !BOOKKEEPING.includes(k));
  return (
    <>
      <table aria-label="Risk score inputs">
        <thead>
          <tr>
            <th>Input</th>
            <th>Value</th>
            <th>Points</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <td className="mono" style={{ whiteSpace: "nowrap" }}>
                {k}
              </td>
              <td className="wrap">
                <Value v={v} />
              </td>
              <td>{points.has(k) ? <strong>+{points.get(k)}</strong> : <span className="muted">0</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <details style={{ marginTop: 8 }}>
        <summary className="muted">Model details</summary>
        <div className="wrap">
          <Value v={{ model: inputs.model, weights: inputs.weights }} />
        </div>
      </details>
    </>
  );
}

export function AlertDetailPage({ id }: { id: string }) {
  const { state, reload, setState } = useAsync(
    (signal) => getJson<AlertDetail>(`/api/v1/alerts/${encodeURIComponent(id)}`, signal),
    [id],
  );
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  if (state.status === "error") {
    if (state.error instanceof ApiError && state.error.status === 404) {
      return (
        <Empty title={`Alert ${id} does not exist`}>
          <Link href="/ui/incidents">Back to incidents and alerts</Link>
        </Empty>
      );
    }
    return <ErrorState error={state.error} retry={reload} />;
  }
  if (!state.data) return <Loading what={`alert ${id}`} />;
  const a = state.data;
  const t = a.triage;
  // Only malicious or suspicious verdicts are hits; a look-up that matched no feed ("unknown") or a feed's
  // "clean" is counted, not listed as a hit (the risk score counts them the same way).
  const hits = a.threat_intel.filter(
    (h) => h.threat_level === "malicious" || h.threat_level === "suspicious",
  );
  const lookedUp = a.threat_intel.length - hits.length;

  const verdict = async (v: "true_positive" | "false_positive") => {
    setError(null);
    try {
      await send("PATCH", `/api/v1/alerts/${encodeURIComponent(a.alert_id)}`, {
        verdict: v,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      });
      setState({ status: "done", data: { ...a, verdict: v } });
      setComment("");
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 403
          ? "Recording a verdict needs a token with the admin scope."
          : err instanceof Error
            ? err.message
            : String(err),
      );
    }
  };

  return (
    <>
      <p style={{ margin: "0 0 8px" }}>
        <Link href="/ui/incidents">← Incidents & alerts</Link>
      </p>
      <div className="page-head">
        <h1>
          <SeverityBadge severity={t?.risk_level ?? a.severity} /> {a.rule_name ?? "Alert"}{" "}
          <span className="mono muted">{a.alert_id}</span>
        </h1>
        <span className="status">{a.verdict ? a.verdict.replace("_", " ") : a.status}</span>
      </div>
      <div className="grid cols-2">
        <section className="panel" aria-labelledby="risk">
          <h2 id="risk">Risk {t ? `${t.risk_score.toFixed(0)} (${t.risk_level})` : ""}</h2>
          {!t ? (
            <p className="muted">
              Not triaged yet (status {a.status}
              {a.last_error ? `: ${a.last_error}` : ""}).
            </p>
          ) : (
            <>
              <p className="wrap">{t.analysis_result}</p>
              <p className="muted">
                Confidence {Math.round(t.confidence * 100)}% · analyzer {t.analyzer}
                {t.requires_human_review && " · needs human review"}
              </p>
              <RiskInputs inputs={t.inputs} />
            </>
          )}
        </section>
        <section className="panel" aria-labelledby="actions">
          <h2 id="actions">Recommended actions</h2>
          {t && t.recommended_actions.length > 0 ? (
            <ol className="wrap">
              {t.recommended_actions.map((x) => (
                <li key={x}>{x}</li>
              ))}
            </ol>
          ) : (
            <p className="muted">None recommended.</p>
          )}
          <h2 style={{ marginTop: 16 }}>Remediation</h2>
          {a.incident_id === null ? (
            <p className="muted">This alert is not part of an incident, so no remediation is proposed.</p>
          ) : (
            <Remediation incidentId={a.incident_id} />
          )}
          <h2 style={{ marginTop: 16 }}>Verdict</h2>
          <label className="field">
            Comment (kept in the audit log)
            <textarea value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} />
          </label>
          <div className="actions">
            <button type="button" className="primary" onClick={() => verdict("true_positive")}>
              Confirm threat (true positive)
            </button>
            <button type="button" className="danger" onClick={() => verdict("false_positive")}>
              False positive
            </button>
          </div>
          {error && (
            <p role="alert" className="state error" style={{ padding: "8px 0", textAlign: "left" }}>
              {error}
            </p>
          )}
        </section>
      </div>
      <section className="panel" style={{ marginTop: 16 }} aria-labelledby="intel">
        <h2 id="intel">Threat intelligence hits ({hits.length})</h2>
        {lookedUp > 0 && (
          <p className="muted">
            {lookedUp} indicator{lookedUp === 1 ? "" : "s"} looked up with no threat found (unknown or clean).
          </p>
        )}
        {hits.length === 0 ? (
          <p className="muted">No indicator of this alert is known to the configured feeds.</p>
        ) : (
          <table aria-label="Threat intelligence hits">
            <thead>
              <tr>
                <th>Indicator</th>
                <th>Type</th>
                <th>Threat level</th>
                <th>Source</th>
                <th>Last seen</th>
              </tr>
            </thead>
            <tbody>
              {hits.map((h) => (
                <tr key={`${h.source}-${h.ioc}`}>
                  <td className="mono">{h.ioc}</td>
                  <td>{h.ioc_type}</td>
                  <td>
                    {toSeverity(h.threat_level) ? (
                      <SeverityBadge severity={h.threat_level} />
                    ) : (
                      <span className={`status ${h.threat_level === "malicious" ? "open" : ""}`}>
                        {h.threat_level}
                      </span>
                    )}
                  </td>
                  <td>{h.source}</td>
                  <td>
                    <Time iso={h.last_seen} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="panel" style={{ marginTop: 16 }} aria-labelledby="context">
        <h2 id="context">Context</h2>
        <dl className="kv">
          <dt>Source IP</dt>
          <dd className="mono">{a.source_ip ?? "—"}</dd>
          <dt>Target IP</dt>
          <dd className="mono">{a.target_ip ?? "—"}</dd>
          <dt>User</dt>
          <dd>{a.user_id ?? "—"}</dd>
          <dt>Asset</dt>
          <dd>{a.asset_id ?? "—"}</dd>
          <dt>Received</dt>
          <dd>
            <Time iso={a.created_at} />
          </dd>
          {a.context.map((c) => (
            <div key={`${c.context_type}-${c.source}`} style={{ display: "contents" }}>
              <dt>
                {c.context_type} <span className="muted">({c.source})</span>
              </dt>
              <dd>
                <Value v={c.context_data} />
              </dd>
            </div>
          ))}
        </dl>
      </section>
    </>
  );
}
