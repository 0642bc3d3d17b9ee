import { useState } from "react";
import { type AlertDetail, alertSeverity } from "../alert-types";
import { ApiError, getJson, send } from "../api";
import { SeverityBadge, Time, toSeverity } from "../components/Badges";
import { Remediation } from "../components/Remediation";
import { Empty, ErrorState, Loading } from "../components/States";
import { Link } from "../router";
import { useAsync } from "../useAsync";

/** Input and field names as words: `source_ip_class` → "Source IP class". */
export function fieldLabel(key: string): string {
  const s = key
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .replace(/[_.-]+/g, " ")
    .trim()
    .toLowerCase()
    .replace(/\b(ip|ioc|url|id|os|dns|mfa|vpn)\b/g, (w) => w.toUpperCase());
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/**
 * A value of the risk model's inputs or of a context row: scalars as text, lists joined, objects as
 * labelled fields (nested as far as they go), never raw JSON.
 */
function Value({ v }: { v: unknown }) {
  if (v === null || v === undefined || v === "") return <span className="muted">—</span>;
  if (typeof v === "boolean") return <>{v ? "yes" : "no"}</>;
  if (Array.isArray(v)) {
    if (v.length === 0) return <span className="muted">none</span>;
    if (v.every((x) => typeof x !== "object" || x === null)) return <>{v.map(String).join(", ")}</>;
    return (
      <ul className="plain">
        {v.map((x, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: list items have no identity of their own.
          <li key={i}>
            <Value v={x} />
          </li>
        ))}
      </ul>
    );
  }
  if (typeof v === "object") return <Fields data={v as Record<string, unknown>} />;
  return <>{String(v)}</>;
}

/** An object as labelled fields. */
function Fields({ data }: { data: Record<string, unknown> }) {
  const entries = Object.entries(data);
  if (entries.length === 0) return <span className="muted">nothing recorded</span>;
  return (
    <dl className="kv fields">
      {entries.map(([k, x]) => (
        <div key={k} style={{ display: "contents" }}>
          <dt>{fieldLabel(k)}</dt>
          <dd>
            <Value v={x} />
          </dd>
        </div>
      ))}
    </dl>
  );
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
              <td style={{ whiteSpace: "nowrap" }} title={k}>
                {fieldLabel(k)}
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
          <Fields data={{ model: inputs.model, weights: inputs.weights }} />
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
  if (!state.data) return <Loading what="the alert" />;
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
          <SeverityBadge severity={alertSeverity(a)} /> {a.title}
          {a.entity && <span className="muted"> on {a.entity}</span>}
        </h1>
        <span className="status">{a.verdict ? a.verdict.replace("_", " ") : a.status}</span>
      </div>
      <p className="muted" data-testid="alert-times">
        Happened {a.event_time ? <Time iso={a.event_time} /> : "(the alert gives no time)"} · received{" "}
        <Time iso={a.created_at} />
        {a.anomaly_id !== null && (
          <>
            {" · "}
            <Link href={`/ui/anomalies/${a.anomaly_id}`}>Open the finding this alert was raised from</Link>
          </>
        )}
      </p>
      <div className="grid cols-2">
        <section className="panel" aria-labelledby="risk">
          <h2 id="risk">Risk score {t ? `${t.risk_score.toFixed(0)} of 100` : ""}</h2>
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
          <dt>Happened</dt>
          <dd>{a.event_time ? <Time iso={a.event_time} /> : <span className="muted">not given</span>}</dd>
          <dt>Received</dt>
          <dd>
            <Time iso={a.created_at} />
          </dd>
          <dt>Alert id</dt>
          <dd className="mono muted">{a.alert_id}</dd>
          {a.context.map((c) => (
            <div key={`${c.context_type}-${c.source}`} style={{ display: "contents" }}>
              <dt>
                {fieldLabel(c.context_type)} <span className="muted">({c.source})</span>
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
