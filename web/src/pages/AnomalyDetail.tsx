import { useState } from "react";
import { ApiError, getJson, send } from "../api";
import { SeverityBadge, StatusBadge, Time } from "../components/Badges";
import { EvidenceList } from "../components/EvidenceList";
import { MeasuresTable } from "../components/Measures";
import { Empty, ErrorState, Loading } from "../components/States";
import { TemplateText } from "../components/TemplateText";
import { VerdictDialog } from "../components/VerdictDialog";
import { VolumeChart, volumeInterval } from "../components/VolumeChart";
import { Link } from "../router";
import { humanizeSeconds } from "../time";
import type { AnomalyDetail, Status, Template } from "../types";
import { useAsync } from "../useAsync";

/** Statuses as a person says them. */
const STATUS_WORDS: Record<string, string> = {
  open: "open",
  acknowledged: "acknowledged",
  resolved: "resolved",
  false_positive: "a false positive",
};

/** One history entry as a sentence: "alice marked it a false positive (was open)". */
export function historyWords(h: { actor: string; action: string; details: Record<string, unknown> }): string {
  const to = typeof h.details.to === "string" ? h.details.to : null;
  const from = typeof h.details.from === "string" ? h.details.from : null;
  const say = (s: string) => STATUS_WORDS[s] ?? s.replace(/_/g, " ");
  if (to === null) return `${h.actor}: ${h.action.replace(/[._]/g, " ")}`;
  const verb =
    to === "open"
      ? "reopened it"
      : to === "false_positive"
        ? "marked it a false positive"
        : `marked it ${say(to)}`;
  return `${h.actor} ${verb}${from ? ` (it was ${say(from)})` : ""}`;
}

async function load(id: number, signal: AbortSignal) {
  const anomaly = await getJson<AnomalyDetail>(`/api/v1/anomalies/${id}`, signal);
  // The newest evidence line's template: older lines may carry one that has since generalised.
  const templateId = anomaly.template_id ?? anomaly.evidence_records.at(-1)?.template_id ?? null;
  // Templates are saved with the pipeline state every few seconds: a very fresh one may not be there yet.
  const template = templateId
    ? await getJson<Template>(`/api/v1/templates/${encodeURIComponent(templateId)}`, signal).catch(() => null)
    : null;
  // The alert triage raised from this finding, when it did (its id is the anomaly's).
  const alert = await getJson<{ alert_id: string; title: string }>(
    `/api/v1/alerts/anomaly-${id}`,
    signal,
  ).catch(() => null);
  return { anomaly, template, alert };
}

const ACTIONS: { status: Status; label: string }[] = [
  { status: "acknowledged", label: "Acknowledge" },
  { status: "resolved", label: "Resolve" },
  { status: "false_positive", label: "Mark false positive" },
  { status: "open", label: "Reopen" },
];

export function AnomalyDetailPage({ id }: { id: number }) {
  const { state, reload, setState } = useAsync((signal) => load(id, signal), [id]);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [actionError, setActionError] = useState<string | null>(null);
  // A false positive creates a suppression: it is confirmed in a dialog that says what it will mute.
  const [verdictOpen, setVerdictOpen] = useState(false);

  if (state.status === "error") {
    if (state.error instanceof ApiError && state.error.status === 404) {
      return (
        <Empty title={`Anomaly #${id} does not exist`}>
          It may have been deleted by retention. <Link href="/ui/anomalies">Back to the list</Link>
        </Empty>
      );
    }
    return <ErrorState error={state.error} retry={reload} />;
  }
  if (!state.data) return <Loading what={`anomaly #${id}`} />;
  const { anomaly: a, template, alert } = state.data;

  const act = async (status: Status) => {
    setBusy(true);
    setActionError(null);
    try {
      const changed = await send<AnomalyDetail>("PATCH", `/api/v1/anomalies/${a.id}`, {
        status,
        ...(comment.trim() ? { comment: comment.trim() } : {}),
      });
      setState({ status: "done", data: { anomaly: changed, template, alert } });
      setComment("");
    } catch (err) {
      setActionError(
        err instanceof ApiError && err.status === 403
          ? "Changing a status needs a token with the admin scope."
          : err instanceof Error
            ? err.message
            : String(err),
      );
    } finally {
      setBusy(false);
    }
  };

  const volume = volumeInterval(a);

  return (
    <>
      <p style={{ margin: "0 0 8px" }}>
        <Link href="/ui/anomalies">← Anomalies</Link>
        {alert && (
          <>
            {" · "}
            <Link
              href={`/ui/incidents/alerts/${encodeURIComponent(alert.alert_id)}`}
              data-testid="alert-link"
            >
              Its alert in triage
            </Link>
          </>
        )}
      </p>
      <div className="page-head">
        <h1>
          <SeverityBadge severity={a.severity} />{" "}
          {a.description ? humanizeSeconds(a.description) : `Anomaly #${a.id}`}
        </h1>
        <span data-testid="anomaly-status">
          <StatusBadge status={a.status} />
        </span>
      </div>
      <div className="grid cols-2">
        <section className="panel" aria-labelledby="why">
          <h2 id="why">Why this is abnormal</h2>
          <p>
            {a.explanation ? humanizeSeconds(a.explanation.summary) : "The detector gave no explanation."}
          </p>
          <MeasuresTable observed={a.explanation?.observed ?? {}} expected={a.explanation?.expected ?? {}} />
          {/* How far to trust the detector: people's verdicts on its recent findings (GET /stats has all). */}
          <p className="muted" data-testid="detector-precision">
            {a.detector_precision.text.replace(/^this detector/, `This detector (${a.detector})`)}
            {a.detector_precision.precision !== null &&
              ` (precision ${Math.round(a.detector_precision.precision * 100)}%)`}
            .
          </p>
        </section>
        <section className="panel" aria-labelledby="facts">
          <h2 id="facts">Details</h2>
          <dl className="kv">
            <dt>Detector</dt>
            <dd className="mono">{a.detector}</dd>
            <dt>Type</dt>
            <dd>{a.type}</dd>
            <dt>Service</dt>
            <dd>
              {a.service ? (
                <Link href={`/ui/logs?${new URLSearchParams({ service: a.service, range: "all" })}`}>
                  {a.service}
                </Link>
              ) : (
                "—"
              )}
            </dd>
            <dt>Key</dt>
            <dd className="mono">
              <Link
                href={`/ui/anomalies?${new URLSearchParams({ entity: a.key, range: "all" })}`}
                title="Every finding about it"
              >
                {a.key}
              </Link>
            </dd>
            <dt>Score</dt>
            <dd>{a.score.toFixed(3)}</dd>
            <dt>First seen</dt>
            <dd>
              <Time iso={a.timestamp} />
            </dd>
            <dt>Last seen</dt>
            <dd>
              <Time iso={a.last_seen} /> {a.count > 1 && <span className="muted">({a.count} repeats)</span>}
            </dd>
          </dl>
        </section>
      </div>

      {volume && a.service && (
        <section className="panel" style={{ marginTop: 16 }} aria-labelledby="volume">
          <h2 id="volume">Volume of {a.service} around the finding</h2>
          <VolumeChart service={a.service} start={volume.start} secs={volume.secs} />
        </section>
      )}

      <section className="panel" style={{ marginTop: 16 }} aria-labelledby="tpl">
        <h2 id="tpl">Template</h2>
        {template ? (
          <TemplateText template={template.template} message={a.evidence_records.at(-1)?.message ?? null} />
        ) : (
          <p className="muted">
            {a.template_id || a.evidence_records[0]?.template_id
              ? "The template is not saved yet (templates are saved every few seconds); reload shortly."
              : "This anomaly is not tied to one template."}
          </p>
        )}
      </section>

      <section className="panel" style={{ marginTop: 16 }} aria-labelledby="ev">
        <h2 id="ev">Evidence ({a.evidence_records.length} log lines)</h2>
        {a.evidence_records.length === 0 ? (
          <p className="muted">No log lines are attached (or they were removed by retention).</p>
        ) : (
          <EvidenceList records={a.evidence_records} template={template?.template} />
        )}
      </section>

      <section className="panel" style={{ marginTop: 16 }} aria-labelledby="triage">
        <h2 id="triage">Triage</h2>
        <label className="field">
          Comment (kept in the audit log)
          <textarea value={comment} onChange={(e) => setComment(e.target.value)} maxLength={2000} />
        </label>
        <div className="actions">
          {ACTIONS.filter((x) => x.status !== a.status).map((x) => (
            <button
              key={x.status}
              type="button"
              className={x.status === "false_positive" ? "danger" : x.status === "resolved" ? "primary" : ""}
              disabled={busy}
              onClick={() => (x.status === "false_positive" ? setVerdictOpen(true) : act(x.status))}
            >
              {x.label}
            </button>
          ))}
        </div>
        {verdictOpen && (
          <VerdictDialog
            anomaly={a}
            comment={comment}
            onCancel={() => setVerdictOpen(false)}
            onDone={(changed) => {
              setVerdictOpen(false);
              setComment("");
              setState({ status: "done", data: { anomaly: changed, template, alert } });
            }}
          />
        )}
        <p className="muted">
          <Link href={`/ui/suppressions?entity=${encodeURIComponent(a.key)}&state=all`}>
            Suppressions of {a.key}
          </Link>
        </p>
        {actionError && (
          <p role="alert" className="state error" style={{ padding: "8px 0", textAlign: "left" }}>
            {actionError}
          </p>
        )}
        {a.history.length > 0 && (
          <>
            <h2 style={{ marginTop: 16 }}>History</h2>
            <ul className="evidence">
              {a.history.map((h) => (
                <li key={`${h.at}-${h.action}`}>
                  <Time iso={h.at} /> — {historyWords(h)}
                  {typeof h.details.comment === "string" && h.details.comment && (
                    <span className="muted"> “{h.details.comment}”</span>
                  )}
                </li>
              ))}
            </ul>
          </>
        )}
      </section>
    </>
  );
}
