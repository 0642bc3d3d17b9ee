import type { Anomaly } from "../core/anomaly.js";
import type { LogRecord } from "../core/log-record.js";
import { SEVERITIES, type Severity } from "../core/severity.js";
import { isoUtc } from "../core/time.js";
import { DEFAULT_INCIDENT_WINDOW_SECS, groupIncidents, type Incident } from "../correlate/incidents.js";
import { FileRarity } from "../detectors/file-rarity.js";
import { decodeLine } from "../parsers/decoders/index.js";
import type { Processor } from "../pipeline/processor.js";
import type { SuppressionList } from "../pipeline/suppressions.js";

export interface AnalyzeReport {
  lines: number;
  records: number;
  templates: number;
  anomalies_by_severity: Record<Severity, number>;
  top_templates: { template_id: string; stream: string; template: string; count: number }[];
  anomalies: (Anomaly & { index: number })[];
  /** The anomalies grouped by the entity they are about (`findings` index into `anomalies`). */
  incidents: Incident[];
  detectors: { name: string; phase: string; detail: string }[];
  duration_ms: number;
}

export interface AnalyzeOptions {
  /** `service.name` for records that do not name one (defaults to the file name). */
  defaultService?: string;
  topTemplates?: number;
  /** Called after each batch with the records seen so far. */
  onProgress?: (records: number) => void;
  /** False-positive suppressions to honour (from the store's `suppressions`); suppressed anomalies are not reported. */
  suppressions?: SuppressionList;
  /** Findings about one entity this close in time form one incident (default 30 min). */
  incidentWindowSecs?: number;
}

const BATCH = 2_000;

/**
 * Runs the whole pipeline in memory over logical lines (no server, no store): decode → mine → detect.
 * Record ids are 1-based positions, so evidence points at lines of the input.
 */
export async function analyzeLines(
  lines: AsyncIterable<string> | Iterable<string>,
  processor: Processor,
  options: AnalyzeOptions = {},
): Promise<AnalyzeReport> {
  const started = performance.now();
  const observedAt = isoUtc(Date.now());
  const ctx = { observedAt, ...(options.defaultService ? { defaultService: options.defaultService } : {}) };
  const anomalies: (Anomaly & { index: number })[] = [];
  // With no history, the file itself is the reference: what is rare in all of it (judged at the end).
  const rarity = new FileRarity();
  let batch: LogRecord[] = [];
  let count = 0;
  const flush = () => {
    const parsed = processor.mine(batch, count - batch.length + 1);
    rarity.observe(parsed);
    const detected = processor.detect(parsed);
    const kept = options.suppressions ? options.suppressions.filter(detected, Date.now()) : detected;
    for (const a of kept) anomalies.push({ ...a, index: a.evidence.at(-1) ?? 0 });
    batch = [];
    options.onProgress?.(count);
  };
  for await (const line of lines) {
    batch.push(decodeLine(line, ctx));
    count++;
    if (batch.length >= BATCH) flush();
  }
  if (batch.length > 0) flush();
  // End of input: sessions and windows still open are judged now rather than lost.
  for (const a of processor.flush()) anomalies.push({ ...a, index: a.evidence.at(-1) ?? 0 });

  const templates = processor.miner.templates();
  const counts = new Map(templates.map((t) => [`${t.stream}\u0000${t.templateId}`, t.count]));
  const cited = new Set(anomalies.flatMap((a) => a.evidence));
  const rare = rarity.judge(counts, cited);
  const keptRare = options.suppressions ? options.suppressions.filter(rare, Date.now()) : rare;
  for (const a of keptRare) anomalies.push({ ...a, index: a.evidence.at(-1) ?? 0 });
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const a of anomalies) bySeverity[a.severity]++;
  return {
    lines: count,
    records: count,
    templates: templates.length,
    anomalies_by_severity: bySeverity,
    top_templates: templates
      .sort((a, b) => b.count - a.count)
      .slice(0, options.topTemplates ?? 10)
      .map((t) => ({ template_id: t.templateId, stream: t.stream, template: t.template, count: t.count })),
    anomalies,
    incidents: groupIncidents(anomalies, {
      windowSecs: options.incidentWindowSecs ?? DEFAULT_INCIDENT_WINDOW_SECS,
    }),
    detectors: [...processor.statuses(), { name: "file_rarity", phase: "active", detail: rarity.detail() }],
    duration_ms: Math.round((performance.now() - started) * 10) / 10,
  };
}
