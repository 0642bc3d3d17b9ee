import { useEffect, useRef, useState } from "react";
import { ApiError, getJson, send } from "../api";
import { Link } from "../router";
import type { AnomalyDetail, Suppression, SuppressionPreview } from "../types";
import { Time } from "./Badges";

const SCOPE_LABELS: Record<SuppressionPreview["scope"], string> = {
  key: "this entity only",
  template: "this log template, any entity",
  detector: "the whole detector",
};

/** "brute_force findings on ip:10.0.0.5 scoring at most 0.6" — the sentence the user confirms. */
export function describeSuppression(
  s: Pick<Suppression, "detector" | "entity" | "template_id" | "max_score">,
) {
  const where = s.entity
    ? `on ${s.entity}`
    : s.template_id
      ? `on template ${s.template_id}`
      : "on every entity";
  const ceiling = s.max_score === null ? "" : ` scoring at most ${s.max_score}`;
  return `${s.detector} findings ${where}${ceiling}`;
}

/**
 * Confirms a false-positive verdict. Before anything is written it says what will be suppressed
 * (detector, entity, scope) and until when, from the server's own preview, so what the user reads is
 * what the verdict creates; stronger findings still fire, and the suppression can be revoked.
 */
export function VerdictDialog({
  anomaly,
  comment,
  onDone,
  onCancel,
}: {
  anomaly: AnomalyDetail;
  comment: string;
  onDone: (changed: AnomalyDetail, created: Suppression | null) => void;
  onCancel: () => void;
}) {
  const [preview, setPreview] = useState<SuppressionPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const cancel = useRef(onCancel);
  cancel.current = onCancel;

  // Opens over the page in view (wherever the button was scrolled to), takes the focus, and Escape cancels.
  useEffect(() => {
    box.current?.focus();
    const key = (e: KeyboardEvent) => {
      if (e.key === "Escape") cancel.current();
    };
    window.addEventListener("keydown", key);
    return () => window.removeEventListener("keydown", key);
  }, []);

  useEffect(() => {
    const abort = new AbortController();
    // The dashboard's verdict (PATCH) always has the default scope, this entity; API and MCP callers may widen it.
    getJson<SuppressionPreview>(`/api/v1/suppressions/preview?anomaly_id=${anomaly.id}`, abort.signal)
      .then(setPreview)
      .catch((err: unknown) => {
        if (!abort.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      });
    return () => abort.abort();
  }, [anomaly.id]);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      const changed = await send<AnomalyDetail & { suppression: Suppression | null }>(
        "PATCH",
        `/api/v1/anomalies/${anomaly.id}`,
        { status: "false_positive", ...(comment.trim() ? { comment: comment.trim() } : {}) },
      );
      onDone(changed, changed.suppression);
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 403
          ? "Giving a verdict needs a token with the admin scope."
          : err instanceof Error
            ? err.message
            : String(err),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="dialog-backdrop">
      <div
        ref={box}
        tabIndex={-1}
        className="panel verdict-dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby="verdict-title"
      >
        <h2 id="verdict-title">Mark this finding a false positive?</h2>
        <p className="muted">
          {anomaly.detector} on {anomaly.key}
          {anomaly.service ? ` (${anomaly.service})` : ""}
        </p>
        {preview ? (
          <p data-testid="suppression-preview">
            Scope: {SCOPE_LABELS[preview.scope]}. This will suppress{" "}
            <strong>{describeSuppression(preview)}</strong> until{" "}
            {preview.expires_at ? <Time iso={preview.expires_at} /> : "you revoke it"}. Stronger findings
            (more failures, a higher rate) still raise an anomaly, and other detectors are not affected. You
            can revoke it at any time on the <Link href="/ui/suppressions">Suppressions</Link> page.
          </p>
        ) : (
          !error && <p className="muted">Working out what this would suppress…</p>
        )}
        {error && (
          <p role="alert" className="state error" style={{ padding: "8px 0", textAlign: "left" }}>
            {error}
          </p>
        )}
        <div className="actions">
          <button type="button" className="danger" disabled={busy || !preview} onClick={confirm}>
            Mark false positive and suppress
          </button>
          <button type="button" disabled={busy} onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </div>
  );
}
