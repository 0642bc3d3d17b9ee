import type { Kysely } from "kysely";
import type { JsonObject } from "../core/json.js";
import { type Severity, severityFloor, severityRank } from "../core/severity.js";
import type { Store } from "../store/db.js";
import { markAnomalyIntel, type StoredAnomaly } from "../store/repos/anomalies.js";
import { recordAudit } from "../store/repos/audit.js";
import { findIndicators, type Indicator } from "../store/repos/intel-feeds.js";
import type { Database } from "../store/schema.js";
import { sourceIpOf } from "./anomaly-alerts.js";

/** Feed verdicts that make a finding's address a listed one; `clean` and `unknown` say nothing against it. */
const LISTED_LEVELS = new Set(["suspicious", "malicious"]);

/** What a finding carries of its address's listing (`features.threat_intel`). */
function matchOf(ip: string, listings: Indicator[]): JsonObject {
  const worst = listings.some((l) => l.threat_level === "malicious") ? "malicious" : "suspicious";
  return {
    field: "source_ip",
    ioc: ip,
    threat_level: worst,
    feeds: [...new Set(listings.map((l) => l.feed))],
    confidence: Math.max(...listings.map((l) => l.confidence)),
    description: listings.find((l) => l.description)?.description ?? null,
  };
}

const sameMatch = (a: unknown, b: JsonObject) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Findings whose address is listed in the imported threat-intel feeds (`intel_indicators`): the match is
 * written on the finding (`features.threat_intel`, and its description says so), and a finding below
 * triage's threshold is raised to it, audited, so it becomes an alert whose triage shows the listing.
 * Before, a medium brute force from a listed address never reached triage and nothing showed the listing.
 * Feeds only: online providers are asked by triage's intel stage, not for every stored finding.
 *
 * `anomalyStore` holds the findings; `intelDb` the feeds (triage's own database when it has one).
 * Returns the findings as they are now, in order.
 */
export async function markListedFindings(
  anomalyStore: Store,
  intelDb: Kysely<Database>,
  anomalies: readonly StoredAnomaly[],
  triageMin: Severity | "off",
  now: string,
): Promise<StoredAnomaly[]> {
  const ips = new Map<StoredAnomaly, string>();
  for (const a of anomalies) {
    const ip = sourceIpOf(a);
    if (ip) ips.set(a, ip);
  }
  if (ips.size === 0) return [...anomalies];
  const listed = new Map<string, Indicator[]>();
  for (const x of await findIndicators(intelDb, [...new Set(ips.values())])) {
    if (x.ioc_type !== "ip" || !LISTED_LEVELS.has(x.threat_level)) continue;
    listed.set(x.ioc, [...(listed.get(x.ioc) ?? []), x]);
  }
  if (listed.size === 0) return [...anomalies];
  const out: StoredAnomaly[] = [];
  for (const a of anomalies) {
    const ip = ips.get(a);
    const listings = ip ? listed.get(ip) : undefined;
    out.push(listings && ip ? await mark(anomalyStore, a, matchOf(ip, listings), triageMin, now) : a);
  }
  return out;
}

async function mark(
  store: Store,
  a: StoredAnomaly,
  match: JsonObject,
  triageMin: Severity | "off",
  now: string,
): Promise<StoredAnomaly> {
  const raise = triageMin !== "off" && severityRank(a.severity) < severityRank(triageMin);
  if (!raise && sameMatch(a.features.threat_intel, match)) return a;
  const severity = raise ? (triageMin as Severity) : a.severity;
  const score = raise ? Math.max(a.score, severityFloor(severity)) : a.score;
  const note = `source ${String(match.ioc)} is listed in threat intel (${(match.feeds as string[]).join(", ")}: ${String(match.threat_level)})`;
  const description =
    a.description && !a.description.includes(note) ? `${a.description}; ${note}` : (a.description ?? note);
  return store.db.transaction().execute(async (trx) => {
    const changed = await markAnomalyIntel(
      trx,
      a.id,
      { severity, score, features: { ...a.features, threat_intel: match }, description },
      now,
    );
    if (raise)
      await recordAudit(
        trx,
        {
          actor: "triage",
          action: "anomaly.intel_raise",
          target: `anomaly:${a.id}`,
          details: { from: a.severity, to: severity, reason: note, threat_intel: match },
        },
        now,
      );
    return changed ?? a;
  });
}
