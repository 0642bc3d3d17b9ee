import type { Anomaly } from "../core/anomaly.js";
import type { Detector, DetectorStatus } from "../core/detector.js";
import type { JsonValue } from "../core/json.js";
import { type LogRecord, type ParsedRecord, serviceOf } from "../core/log-record.js";
import type { TemplateLineage, TemplateMiner } from "../core/template.js";
import type { UndoLog } from "../core/undo.js";

/**
 * The synchronous heart of the pipeline: template mining and detection, no I/O. `serve` wraps it with a
 * queue and the store; `analyze` runs it in memory.
 */
export class Processor {
  /** Lineage links produced since the last `takeLineage()`. */
  #lineage: TemplateLineage[] = [];
  /** Lineage links that were there when the batch began (`begin`). */
  #lineageAtBegin = 0;
  /** The undo logs of the miner and of every detector: each stage keeps state, so each keeps one. */
  readonly #undoLogs: UndoLog[];

  constructor(
    readonly miner: TemplateMiner,
    readonly detectors: readonly Detector[],
  ) {
    this.#undoLogs = [miner.undo, ...detectors.map((d) => d.undo)];
  }

  /**
   * Starts a batch whose store transaction may fail: until `commit`, what mining and detection change
   * is journaled, and `rollback` puts the miner, the detectors and the lineage back as they were here,
   * so a line the store refused is learned from only when it is sent again and stored.
   */
  begin(): void {
    this.#lineageAtBegin = this.#lineage.length;
    for (const log of this.#undoLogs) log.begin();
  }

  commit(): void {
    for (const log of this.#undoLogs) log.commit();
  }

  rollback(): void {
    for (const log of this.#undoLogs) log.rollback();
    this.#lineage.length = Math.min(this.#lineage.length, this.#lineageAtBegin);
  }

  /**
   * Mines each record's template. Records are numbered `firstId`, `firstId + 1`, … (the 1-based line
   * number for `analyze`); the pipeline replaces the numbers with store ids once the rows are written.
   * Fields are copied one by one, not spread: at ingest rates a generic spread was a tenth of the cost.
   */
  mine(records: readonly LogRecord[], firstId = 0): ParsedRecord[] {
    const out: ParsedRecord[] = new Array(records.length);
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const stream = serviceOf(record);
      const match = this.miner.add(stream, record.body, record.timestamp);
      if (match.change === "updated" && match.previousId && match.previousId !== match.templateId) {
        this.#lineage.push({ stream, fromId: match.previousId, toId: match.templateId });
      }
      const parsed: ParsedRecord = {
        timestamp: record.timestamp,
        observedTimestamp: record.observedTimestamp,
        severityText: record.severityText,
        severityNumber: record.severityNumber,
        body: record.body,
        attributes: record.attributes,
        resource: record.resource,
        id: firstId + i,
        stream,
        templateId: match.templateId,
        template: match.template,
        params: match.params,
        templateChange: match.change,
      };
      // Set after, not spread into the literal: a spread (even of `{}`) built every record the slow way.
      if (match.variantOf) parsed.templateVariantOf = match.variantOf;
      out[i] = parsed;
    }
    return out;
  }

  detect(records: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    for (const detector of this.detectors) {
      for (const anomaly of detector.observe(records)) out.push(anomaly);
    }
    return out;
  }

  /** Lets detectors that watch for silence close their intervals at wall-clock `now`. */
  tick(now: number): Anomaly[] {
    const out: Anomaly[] = [];
    for (const detector of this.detectors) {
      if (detector.tick) for (const anomaly of detector.tick(now)) out.push(anomaly);
    }
    return out;
  }

  /** End of input: lets detectors judge what is still open (sessions, windows). */
  flush(): Anomaly[] {
    const out: Anomaly[] = [];
    for (const detector of this.detectors) {
      if (detector.flush) for (const anomaly of detector.flush()) out.push(anomaly);
    }
    return out;
  }

  takeLineage(): TemplateLineage[] {
    const links = this.#lineage;
    this.#lineage = [];
    this.#lineageAtBegin = 0;
    return links;
  }

  /** Puts back links taken for a save that failed, before any produced since. */
  returnLineage(links: readonly TemplateLineage[]): void {
    if (links.length === 0) return;
    this.#lineage = [...links, ...this.#lineage];
    this.#lineageAtBegin += links.length;
  }

  statuses(): DetectorStatus[] {
    return this.detectors.map((d) => d.status());
  }

  exportState(): { miner: unknown; detectors: Record<string, JsonValue> } {
    return {
      miner: this.miner.exportState(),
      detectors: Object.fromEntries(this.detectors.map((d) => [d.name, d.exportState()])),
    };
  }

  importState(state: { miner?: unknown; detectors?: Record<string, JsonValue> }): void {
    if (state.miner !== undefined && state.miner !== null) this.miner.importState(state.miner);
    for (const detector of this.detectors) {
      const saved = state.detectors?.[detector.name];
      if (saved !== undefined) detector.importState(saved);
    }
  }
}
