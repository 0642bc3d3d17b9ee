import { shownFindingIds } from "../anomaly-incidents";
import { getJson } from "../api";
import { Link } from "../router";
import type { AnomalyBrief } from "../types";
import { useAsync } from "../useAsync";
import { SeverityBadge, StatusBadge, Time } from "./Badges";
import { ErrorState, Loading } from "./States";

/** `GET /api/v1/anomaly-briefs` takes at most this many ids: an expanded incident lists its newest. */
const MAX_SHOWN = 100;

/**
 * The findings of one anomaly incident, oldest first, each opening its AnomalyDetail page. The incident
 * carries only their ids; their rows come from the briefs route in one request.
 */
export function IncidentFindings({ incidentId, ids }: { incidentId: number; ids: number[] }) {
  const shown = shownFindingIds(ids, MAX_SHOWN);
  const { state, reload } = useAsync(
    (signal) => getJson<AnomalyBrief[]>(`/api/v1/anomaly-briefs?ids=${shown.join(",")}`, signal),
    [shown.join(",")],
  );
  if (state.status === "error") return <ErrorState error={state.error} retry={reload} />;
  if (!state.data) return <Loading what="findings" />;
  const byId = new Map(state.data.map((b) => [b.id, b]));
  // The briefs come back in any order; the incident's order (time) is the one that tells the story.
  const rows = shown.flatMap((id) => byId.get(id) ?? []);
  return (
    <>
      {ids.length > shown.length && (
        <p className="muted">
          The newest {shown.length} of {ids.length} findings.
        </p>
      )}
      <table aria-label={`Findings of incident ${incidentId}`}>
        <thead>
          <tr>
            <th>Severity</th>
            <th>Time</th>
            <th>Detector</th>
            <th>Service</th>
            <th>Description</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((b) => (
            <tr key={b.id} data-anomaly-id={b.id}>
              <td>
                <SeverityBadge severity={b.severity} />
              </td>
              <td>
                <Time iso={b.timestamp} />
              </td>
              <td className="mono">{b.detector}</td>
              <td>{b.service ?? <span className="muted">—</span>}</td>
              <td className="desc">
                <Link href={`/ui/anomalies/${b.id}`}>{b.description || `Anomaly #${b.id}`}</Link>
              </td>
              <td>
                <StatusBadge status={b.status} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length < shown.length && (
        <p className="muted">{shown.length - rows.length} of these findings are no longer stored.</p>
      )}
    </>
  );
}
