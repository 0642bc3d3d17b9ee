import type { Anomaly } from "../core/anomaly.js";
import type { ParsedRecord } from "../core/log-record.js";
import type { RecordRef } from "../core/record-ref.js";
import { ERROR_SEVERITY_NUMBER, SEVERE_SEVERITY_NUMBER, severityFromScore } from "../core/severity.js";
import { recordEntities } from "./record-entities.js";

/** A warning or error logged this few times in a whole file is rare in it. */
const RARE_LINES = 2;
/** …in a stream of at least this many lines: in a short file every message is rare. */
const MIN_STREAM_LINES = 500;
/** Templates followed at most: past it, the file's later warnings are not judged (said in the status). */
const MAX_TEMPLATES = 50_000;

interface Candidate {
  stream: string;
  template: string;
  level: number;
  levelText: string;
  ids: RecordRef[];
  first: ParsedRecord;
}

/**
 * Learns from the file it is given, where there is no history (`analyze`, uploads): a warning or an error
 * whose message the whole file holds once or twice is a finding, however early in the file it came, while
 * the stream detectors are still warming up. Judged at the end, against the file as a whole: a message
 * rare in its first thousand lines may be common in the next ten thousand. Lines at CRITICAL and above are
 * the severe-event detector's, lines the other detectors cited are theirs.
 */
export class FileRarity {
  readonly #candidates = new Map<string, Candidate>();
  readonly #streamLines = new Map<string, number>();
  #overflow = false;

  observe(records: readonly ParsedRecord[]): void {
    for (const r of records) {
      this.#streamLines.set(r.stream, (this.#streamLines.get(r.stream) ?? 0) + 1);
      if (r.severityNumber < 13 || r.severityNumber >= SEVERE_SEVERITY_NUMBER) continue;
      const key = `${r.stream}\u0000${r.templateId}`;
      const c = this.#candidates.get(key);
      if (c) {
        if (c.ids.length <= RARE_LINES) c.ids.push(r.id);
        if (r.severityNumber > c.level) {
          c.level = r.severityNumber;
          c.levelText = r.severityText ?? "";
        }
      } else if (this.#candidates.size < MAX_TEMPLATES) {
        this.#candidates.set(key, {
          stream: r.stream,
          template: r.template,
          level: r.severityNumber,
          levelText: r.severityText ?? "",
          ids: [r.id],
          first: r,
        });
      } else this.#overflow = true;
    }
  }

  /**
   * The findings, given each template's count over the whole file (`templateCounts`: stream and template
   * id → lines, the miner's counts) and the lines other findings already cite.
   */
  judge(templateCounts: ReadonlyMap<string, number>, cited: ReadonlySet<RecordRef>): Anomaly[] {
    const out: Anomaly[] = [];
    for (const [key, c] of this.#candidates) {
      // A template the miner has since merged into a wider one is not rare: its lines count under that one.
      const lines = templateCounts.get(key);
      if (lines === undefined) continue;
      const streamLines = this.#streamLines.get(c.stream) ?? 0;
      if (lines > RARE_LINES || streamLines < MIN_STREAM_LINES) continue;
      if (c.ids.some((id) => cited.has(id))) continue;
      const error = c.level >= ERROR_SEVERITY_NUMBER;
      const score = error ? 0.7 : 0.6;
      const level = c.levelText || (error ? "ERROR" : "WARN");
      const summary = `${level} message logged ${lines === 1 ? "once" : `${lines} times`} in ${streamLines} lines of ${c.stream}: ${c.template}`;
      out.push({
        detector: "file_rarity",
        type: "rare_in_file",
        timestamp: c.first.timestamp,
        service: c.stream,
        key: `${c.stream}:${c.first.templateId}`,
        score,
        severity: severityFromScore(score),
        description: summary,
        features: {
          template_id: c.first.templateId,
          template: c.template,
          lines,
          stream_lines: streamLines,
          level,
          ...recordEntities(c.first),
        },
        explanation: {
          summary,
          observed: { lines, level },
          expected: {
            note: `judged against the whole file (${streamLines} lines of ${c.stream}), with no history: a warning or error this rare in it is worth a look`,
          },
          samples: [c.first.body],
        },
        evidence: c.ids.slice(0, RARE_LINES),
        templateId: c.first.templateId,
      });
    }
    return out;
  }

  /** One line for the report's detector list. */
  detail(): string {
    return `${this.#candidates.size} warning/error message(s) judged against the whole file${this.#overflow ? `; past ${MAX_TEMPLATES}, later ones were not` : ""}`;
  }
}
