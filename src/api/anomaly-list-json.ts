// The JSON body of GET /api/v1/anomalies, system 000's records (../shared/docs/seed-contracts.md §1.4).
import { isoLocalSeconds } from "../core/time.js";
import { fromJsonText } from "../store/json.js";
import type { AnomalyListTuple } from "../store/repos/anomaly-search.js";

/** System 000's local form: UTC seconds without a zone (contracts §1.4, §6.3 C12). */
export function localSeconds(iso: string): string {
  // Stored timestamps are `YYYY-MM-DDTHH:MM:SS.sssZ`: already UTC, so cutting is converting.
  if (iso.length === 24 && iso.charCodeAt(23) === 0x5a && iso.charCodeAt(10) === 0x54)
    return iso.slice(0, 19);
  const t = Date.parse(iso);
  return Number.isNaN(t) ? iso.replace(" ", "T").slice(0, 19) : isoLocalSeconds(t);
}

/**
 * `features` as it goes into the body. The column holds the JSON text our writers encoded, so it is
 * spliced in as is rather than parsed and encoded again; anything that does not look like a JSON
 * object goes through the parser, which turns a corrupt value into `{}` as the typed path does.
 */
function featuresJson(text: string | null): string {
  if (text === null) return "null";
  if (text.charCodeAt(0) === 0x7b && text.charCodeAt(text.length - 1) === 0x7d) return text;
  return JSON.stringify(fromJsonText(text, {}));
}

/**
 * A page of system 000's records (`id, agent_name, device_id, timestamp, anomaly_type, confidence,
 * description, features, created_at`, in that order) encoded straight from the stored columns: the same
 * JSON as encoding the typed rows, without building them.
 */
export function encodeAnomalyListPage(rows: readonly AnomalyListTuple[]): string {
  const parts: string[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    parts[i] =
      `{"id":${r[0]},"agent_name":${JSON.stringify(r[1])},"device_id":${r[2] === null ? "null" : r[2]},` +
      `"timestamp":${JSON.stringify(localSeconds(r[3]))},"anomaly_type":${JSON.stringify(r[4])},` +
      `"confidence":${JSON.stringify(r[5])},"description":${JSON.stringify(r[6])},` +
      `"features":${featuresJson(r[7])},"created_at":${JSON.stringify(localSeconds(r[8]))}}`;
  }
  return `[${parts.join(",")}]`;
}
