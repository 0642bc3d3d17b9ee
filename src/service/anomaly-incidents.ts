import { z } from "zod";
import { UserError } from "../core/errors.js";
import { SEVERITIES, type Severity } from "../core/severity.js";
import { isoUtc } from "../core/time.js";
import { DEFAULT_INCIDENT_WINDOW_SECS, groupIncidents } from "../correlate/incidents.js";
import type { Store } from "../store/db.js";
import { anomaliesBetween } from "../store/repos/anomaly-window.js";

/** At most this many stored findings are grouped per request: the newest of the window. */
export const MAX_GROUPED_FINDINGS = 10_000;
const DAY_MS = 86_400_000;

export interface AnomalyIncidentQuery {
  /** ISO UTC, inclusive; default a day before `until`. */
  since?: string;
  /** ISO UTC, exclusive; default now. */
  until?: string;
  windowSecs?: number;
  limit: number;
  /** Incidents to skip (newest first), so a list can page through a busy window; default 0. */
  offset?: number;
}

/** Findings about one user, address or host close in time, as one thing to look at. */
export interface AnomalyIncident {
  /** The id of its first anomaly: stable for as long as the window starts before it. */
  id: number;
  start: string;
  end: string;
  entities: string[];
  detectors: string[];
  anomaly_ids: number[];
  score: number;
  severity: Severity;
  summary: string;
}

export interface AnomalyIncidentPage {
  since: string;
  until: string;
  window_secs: number;
  /** Stored findings grouped. */
  findings: number;
  /** The window held more than `MAX_GROUPED_FINDINGS`: only the newest were grouped. */
  truncated: boolean;
  /** Incidents in the window in all (before `offset` and `limit`). */
  total: number;
  /** Newest last finding first. */
  incidents: AnomalyIncident[];
}

/**
 * The stored anomalies of a time window grouped into incidents, as `logwarden analyze` groups its
 * findings (`src/correlate/incidents.ts`): a finding joins the incident that shares its user, address or
 * host and was last added to within `windowSecs`. A merged repeat counts at its first occurrence.
 */
export async function anomalyIncidents(
  store: Store,
  query: AnomalyIncidentQuery,
  nowMs: number,
): Promise<AnomalyIncidentPage> {
  const until = query.until ?? isoUtc(nowMs);
  const since = query.since ?? isoUtc(Date.parse(until) - DAY_MS);
  if (since >= until) throw new UserError("since must be before until", "bad_request");
  const windowSecs = query.windowSecs ?? DEFAULT_INCIDENT_WINDOW_SECS;
  const { anomalies, more } = await anomaliesBetween(store.db, since, until, MAX_GROUPED_FINDINGS);
  const findings = anomalies.map((a) => ({ ...a, explanation: { summary: a.summary } }));
  const incidents = groupIncidents(findings, { windowSecs })
    .map((inc) => {
      const ids = inc.findings.map((i) => anomalies[i]!.id);
      return {
        id: ids[0]!,
        start: inc.start,
        end: inc.end,
        entities: inc.entities,
        detectors: inc.detectors,
        anomaly_ids: ids,
        score: inc.score,
        severity: inc.severity,
        summary: inc.summary,
      };
    })
    .sort((a, b) => (a.end < b.end ? 1 : a.end > b.end ? -1 : b.id - a.id));
  return {
    since,
    until,
    window_secs: windowSecs,
    findings: anomalies.length,
    truncated: more,
    total: incidents.length,
    incidents: incidents.slice(query.offset ?? 0, (query.offset ?? 0) + query.limit),
  };
}

/** The wire shape of an `AnomalyIncidentPage` (REST and MCP). */
export const anomalyIncidentSchema = z
  .object({
    id: z.number().int().describe("The id of its first anomaly"),
    start: z.string(),
    end: z.string(),
    entities: z
      .array(z.string())
      .describe("`user:…`, `ip:…`, `host:…` (or the key of a finding naming none)"),
    detectors: z.array(z.string()),
    anomaly_ids: z.array(z.number().int()).describe("Its anomalies, oldest first"),
    score: z.number().describe("1 − Π(1 − score) over its anomalies"),
    severity: z.enum(SEVERITIES),
    summary: z.string(),
  })
  .describe("Stored findings about one user, address or host close in time");

export const anomalyIncidentPageSchema = z.object({
  since: z.string(),
  until: z.string(),
  window_secs: z.number().int(),
  findings: z.number().int().describe("Stored anomalies grouped"),
  truncated: z.boolean().describe("The window held more than 10,000 anomalies: only the newest were grouped"),
  total: z.number().int().describe("Incidents in the window before `offset` and `limit`"),
  incidents: z.array(anomalyIncidentSchema).describe("Newest last finding first"),
});
