import { isIP } from "node:net";
import type { JsonObject } from "../core/json.js";
import { type Severity, severityRank } from "../core/severity.js";
import type { StoredAnomaly } from "../store/repos/anomalies.js";
import type { IncomingAlert } from "./types.js";

const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v.trim() : null);
const ipOrNull = (v: unknown): string | null => {
  const s = str(v);
  return s && isIP(s) !== 0 ? s : null;
};

/** The address a finding is about (a brute force's source, a `ip:` key), as its alert names it. */
export function sourceIpOf(a: Pick<StoredAnomaly, "features" | "key">): string | null {
  const f = a.features;
  return ipOrNull(f.source_ip) ?? ipOrNull(f.ip) ?? ipOrNull(f.src_ip) ?? ipOrNull(a.key.replace(/^ip:/, ""));
}

/**
 * Logwarden's own anomalies at or above `minSeverity` as alerts, so one triage serves both. The alert id
 * is the anomaly's (`anomaly-<id>`): a merged repeat of an open anomaly is a duplicate, not a new alert.
 */
export function anomaliesToAlerts(
  anomalies: StoredAnomaly[],
  minSeverity: Severity | "off",
): IncomingAlert[] {
  if (minSeverity === "off") return [];
  const min = severityRank(minSeverity);
  return anomalies
    .filter((a) => severityRank(a.severity) >= min)
    .map((a) => {
      const f = a.features;
      return {
        alert_id: `anomaly-${a.id}`,
        source_ip: sourceIpOf(a),
        target_ip: ipOrNull(f.target_ip) ?? ipOrNull(f.dest_ip),
        file_hash: null,
        url: null,
        asset_id: str(f.host),
        user_id: str(f.user) ?? str(f.username),
        severity: a.severity,
        format: "anomaly" as const,
        raw: {
          anomaly_id: a.id,
          rule_name: a.detector,
          description: a.description,
          confidence: a.score,
          timestamp: a.timestamp,
          service: a.service,
          key: a.key,
          hostname: str(f.host),
          features: f,
        } as JsonObject,
      };
    });
}
