import { type Anomaly, describe, MAX_EVIDENCE } from "../core/anomaly.js";
import type { JsonValue } from "../core/json.js";
import { severityFromScore, WARMUP_MAX_SCORE } from "../core/severity.js";
import { isoUtc } from "../core/time.js";
import type { Baseline } from "./volume-baseline.js";
import { inFirstDay, type KeyState } from "./volume-state.js";

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

/** The largest count not reported as a spike, with what raised it above the statistical bar. */
export interface SpikeHigh {
  count: number;
  note: string | null;
}

/** What a finding says of the detector that raised it (`VolumeDetector`): its name and settings. */
interface FindingDetector {
  readonly name: string;
  readonly options: { readonly intervalSecs: number; readonly sensitivity: number };
}

/**
 * A key's spike or drop as a finding (`VolumeDetector`, when one of its intervals closes): the count
 * against the range that would not have been reported, the baseline behind it, who sent a spike.
 */
export function volumeFinding(
  detector: FindingDetector,
  k: KeyState,
  kind: "spike" | "drop",
  start: number,
  count: number,
  base: Baseline,
  z: number,
  score: number,
  withRecords: boolean,
  bar: number,
  spikeHigh: SpikeHigh | null,
): Anomaly {
  // Less than a day of history: the finding is capped at medium and says so.
  const warmup = inFirstDay(k, detector.options.intervalSecs * 1000);
  const shownScore = warmup ? Math.min(score, WARMUP_MAX_SCORE) : score;
  // The counts that would not have been reported: a spike is above `high`, a drop below `low`.
  const low = Math.max(0, Math.ceil(base.expected - bar * base.spread));
  const high = spikeHigh?.count ?? Math.floor(base.expected + bar * base.spread);
  const what = k.template ? `template "${k.template}" of ${k.service}` : k.service;
  const end = start + detector.options.intervalSecs * 1000;
  // Who is behind a spike, when one address sent most of it: what joins it to that address's other findings.
  const source = kind === "spike" && withRecords && k.sources ? dominant(k.sources, count) : null;
  const host = kind === "spike" && withRecords && k.hosts ? dominant(k.hosts, count) : null;
  const from = `${source ? `, ${source.records} of them from ${source.value}` : ""}${host ? ` on ${host.value}${host.records < count ? ` (${host.records})` : ""}` : ""}`;
  const learning = warmup ? ", in its first day (warm-up)" : "";
  const summary =
    kind === "spike"
      ? `Volume spike: ${count} records from ${what} in ${detector.options.intervalSecs} s${from} (expected ${low}–${high}${learning})`
      : `Volume drop: ${count} records from ${what} in ${detector.options.intervalSecs} s (expected ${low}–${high}${learning})`;
  const explanation = {
    summary,
    observed: { count, interval_start: isoUtc(start), interval_secs: detector.options.intervalSecs },
    expected: {
      count: Math.round(base.expected * 100) / 100,
      low,
      high,
      baseline: base.kind,
      note: [
        base.note,
        ...(bar > detector.options.sensitivity ? ["twice the usual margin until then"] : []),
        ...(spikeHigh?.note ? [spikeHigh.note] : []),
        ...(warmup ? ["warm-up: less than a day of history, so at most medium"] : []),
      ].join("; "),
    },
    contributions: [{ name: "robust_z", value: Math.round(z * 100) / 100, weight: 1 }],
    samples: withRecords ? k.samples.slice(0, 3) : [],
  };
  return {
    detector: detector.name,
    type: kind === "spike" ? "volume_spike" : "volume_drop",
    timestamp: isoUtc(end - 1),
    service: k.serviceName,
    key: k.templateId ? `tpl:${k.service}:${k.templateId}` : `svc:${k.service}`,
    score: Math.round(shownScore * 10_000) / 10_000,
    severity: severityFromScore(shownScore),
    description: describe(explanation),
    features: {
      count,
      expected: Math.round(base.expected * 100) / 100,
      expected_low: low,
      expected_high: high,
      robust_z: Math.round(z * 100) / 100,
      interval_secs: detector.options.intervalSecs,
      baseline: base.kind,
      ...(warmup ? { warmup: true } : {}),
      ...(k.template ? { template: k.template } : {}),
      ...(source ? { source_ip: source.value, source_records: source.records } : {}),
      ...(host ? { host: host.value } : {}),
    },
    explanation,
    evidence: withRecords ? [...k.ids] : [],
    ...(k.templateId ? { templateId: k.templateId } : {}),
  };
}
