import { useState } from "react";
import { ApiError, getJson, send } from "../api";
import { useAsync } from "../useAsync";
import { Time } from "./Badges";
import { ErrorState, Loading } from "./States";

interface Action {
  id: number;
  action: string;
  target: string;
  status: "proposed" | "approved" | "rejected" | "executed" | "failed";
  reason: string | null;
  approved_by: string | null;
  executed_at: string | null;
  updated_at: string;
}

/** What an operator can do next with an action in each state. */
const NEXT: Record<Action["status"], ("approve" | "reject" | "execute")[]> = {
  proposed: ["approve", "reject"],
  approved: ["execute", "reject"],
  rejected: [],
  executed: [],
  failed: ["execute"],
};

const STATUS_CLASS: Record<Action["status"], string> = {
  proposed: "acknowledged",
  approved: "resolved",
  rejected: "false_positive",
  executed: "resolved",
  failed: "open",
};

/**
 * The remediation actions triage proposed for an alert's incident, each approved or rejected by a
 * person before anything runs (`POST /api/v1/remediation-actions/{id}/approve|reject|execute`).
 */
export function Remediation({ incidentId }: { incidentId: number }) {
  const { state, reload } = useAsync(
    (signal) =>
      getJson<{ remediation_actions: Action[] }>(`/api/v1/incidents/${incidentId}`, signal).then(
        (i) => i.remediation_actions,
        (e: unknown) => {
          if (e instanceof ApiError && e.status === 404) return null;
          throw e;
        },
      ),
    [incidentId],
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const step = async (a: Action, verb: "approve" | "reject" | "execute") => {
    setBusy(true);
    setError(null);
    try {
      await send("POST", `/api/v1/remediation-actions/${a.id}/${verb}`, {});
      reload();
    } catch (err) {
      setError(
        err instanceof ApiError && err.status === 403
          ? "Approving actions needs a token with the admin scope."
          : err instanceof Error
            ? err.message
            : String(err),
      );
    } finally {
      setBusy(false);
    }
  };
  if (state.status === "error") return <ErrorState error={state.error} retry={reload} />;
  if (!state.data && state.status === "loading") return <Loading what="remediation actions" />;
  if (!state.data) return <p className="muted">This server does not offer remediation actions.</p>;
  if (state.data.length === 0)
    return <p className="muted">Triage proposed no remediation action for this incident.</p>;
  return (
    <>
      <table aria-label="Remediation actions">
        <thead>
          <tr>
            <th>Action</th>
            <th>Target</th>
            <th>Status</th>
            <th>
              <span className="visually-hidden">Decide</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {state.data.map((a) => (
            <tr key={a.id} data-action-id={a.id}>
              <td className="mono">{a.action}</td>
              <td className="mono wrap">{a.target}</td>
              <td>
                <span className={`status ${STATUS_CLASS[a.status]}`}>{a.status}</span>
                {a.approved_by && <div className="muted">by {a.approved_by}</div>}
                {a.executed_at && (
                  <div className="muted">
                    <Time iso={a.executed_at} />
                  </div>
                )}
              </td>
              <td style={{ whiteSpace: "nowrap" }}>
                {NEXT[a.status].map((verb) => (
                  <button
                    key={verb}
                    type="button"
                    disabled={busy}
                    className={verb === "approve" ? "primary" : verb === "reject" ? "danger" : ""}
                    style={{ marginRight: 6 }}
                    aria-label={`${verb} ${a.action} ${a.target}`}
                    onClick={() => step(a, verb)}
                  >
                    {verb[0]!.toUpperCase() + verb.slice(1)}
                  </button>
                ))}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {error && (
        <p role="alert" className="state error" style={{ padding: "8px 0", textAlign: "left" }}>
          {error}
        </p>
      )}
    </>
  );
}
