import { type Anomaly, describe, MAX_EVIDENCE } from "../core/anomaly.js";
import type { JsonValue } from "../core/json.js";

/** Distinct addresses counted per key and interval; a spike's source is among the first ones anyway. */
const MAX_SOURCES = 64;
/** Other keys named in a folded finding's summary (all of them are in its contributions). */
const NAMED_IN_SUMMARY = 3;

/** Counts `value` in `tally` (bounded: past `MAX_SOURCES` values only known ones count). */
export function tally(counts: Map<string, number>, value: string | null): void {
  if (value === null) return;
  const n = counts.get(value);
  if (n !== undefined) counts.set(value, n + 1);
  else if (counts.size < MAX_SOURCES) counts.set(value, 1);
}

/** The value behind at least half of an interval's `count` records (an address, a host), if one is. */
export function dominant(
  counts: ReadonlyMap<string, number>,
  count: number,
): { value: string; records: number } | null {
  let best: { value: string; records: number } | null = null;
  for (const [value, n] of counts) if (!best || n > best.records) best = { value, records: n };
  return best && count > 0 && best.records * 2 >= count ? best : null;
}

/**
 * One finding for one service's interval. A burst of one kind of traffic moves the service's count and
 * each of its templates' counts at once (a brute force: `Failed password`, PAM's failure, `Connection
 * closed`, and sshd as a whole): those are one event, so they become one finding, the service's when it
 * has one (else the strongest template's), naming the others, with the highest score and every key's
 * evidence.
 */
export function foldInterval(group: readonly Anomaly[]): Anomaly {
  const ranked = [...group].sort(
    (a, b) => Number(a.key.startsWith("tpl:")) - Number(b.key.startsWith("tpl:")) || b.score - a.score,
  );
  const lead = ranked[0]!;
  if (ranked.length === 1) return lead;
  const others = ranked.slice(1);
  const score = Math.max(...group.map((a) => a.score));
  const source = ranked.find((a) => typeof a.features.source_ip === "string");
  const host = ranked.find((a) => typeof a.features.host === "string");
  const named = others
    .slice(0, NAMED_IN_SUMMARY)
    .map((a) => `"${templateText(a)}" ${String(a.features.count)}`)
    .join(", ");
  const more = others.length > NAMED_IN_SUMMARY ? ` and ${others.length - NAMED_IN_SUMMARY} more` : "";
  const explanation = {
    ...lead.explanation,
    summary: `${lead.explanation.summary}; with it: ${named}${more}`,
    contributions: [
      ...(lead.explanation.contributions ?? []),
      ...others.map((a) => ({
        name: "also_unusual",
        value: { key: a.key, template: templateText(a), count: a.features.count ?? null } as JsonValue,
        weight: a.score,
      })),
    ],
  };
  const evidence = [...new Set(group.flatMap((a) => a.evidence))].slice(0, MAX_EVIDENCE);
  return {
    ...lead,
    score,
    severity: group.find((a) => a.score === score)!.severity,
    description: describe(explanation),
    explanation,
    evidence,
    features: {
      ...lead.features,
      keys_unusual: group.length,
      ...(source && lead.features.source_ip === undefined
        ? { source_ip: source.features.source_ip!, source_records: source.features.source_records ?? null }
        : {}),
      ...(host && lead.features.host === undefined ? { host: host.features.host! } : {}),
    },
  };
}

function templateText(a: Anomaly): string {
  const t = a.features.template;
  return typeof t === "string" ? t : a.key;
}
