import type { Anomaly } from "../core/anomaly.js";
import type { Detector, DetectorStatus } from "../core/detector.js";
import { DECODE_NOTE, reasonOf } from "../core/input-budget.js";
import type { JsonValue } from "../core/json.js";
import { type LogRecord, originOf, type ParsedRecord, serviceOf, sourceOf } from "../core/log-record.js";
import type { TemplateLineage, TemplateMatch, TemplateMiner } from "../core/template.js";
import type { UndoLog } from "../core/undo.js";

/** A failure a stage's error boundary caught: the stage, why, and the record when one is known. */
export interface QuarantineEvent {
  stage: string;
  reason: string;
  recordId?: ParsedRecord["id"];
}

/** How much of a body the miner failed on is mined again (and stored). */
const QUARANTINED_BODY_CHARS = 2048;

/**
 * The synchronous heart of the pipeline: template mining and detection, no I/O. `serve` wraps it with a
 * queue and the store; `analyze` runs it in memory.
 */
export class Processor {
  /** Lineage links produced since the last `takeLineage()`. */
  #lineage: TemplateLineage[] = [];
  /** Lineage links that were there when the batch began (`begin`). */
  #lineageAtBegin = 0;
  /** Failures each stage's error boundary caught since start, by stage (`mine`, `detect:<detector>`). */
  readonly quarantined = new Map<string, number>();
  /** Told of each failure the boundaries catch (the pipeline logs a sample of them). */
  onQuarantine?: (event: QuarantineEvent) => void;
  /** The undo logs of the miner and of every detector: each stage keeps state, so each keeps one. */
  readonly #undoLogs: UndoLog[];

  /** The last origin made (`#originOf`): a batch's records mostly share their stream and source. */
  #lastOrigin = { stream: "", source: null as string | null, origin: "" };

  /**
   * `bySource` (DETECTOR_STREAMS_BY_SOURCE, default true): detectors keep a stream's state per source of
   * its lines (`ParsedRecord.origin`); false keeps one state per service whatever file or host the lines
   * came from, for a user who says they are one stream.
   */
  constructor(
    readonly miner: TemplateMiner,
    readonly detectors: readonly Detector[],
    readonly bySource = true,
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
      const match = this.#add(stream, record);
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
        origin: this.#originOf(stream, record),
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

  #originOf(stream: string, record: LogRecord): string {
    if (!this.bySource) return stream;
    const source = sourceOf(record);
    const last = this.#lastOrigin;
    if (last.stream !== stream || last.source !== source) {
      last.stream = stream;
      last.source = source;
      last.origin = originOf(stream, source);
    }
    return last.origin;
  }

  /**
   * The miner's match for a record. Mining is the error boundary of its stage: a line the miner fails on
   * (a bug, but every line is attacker input) is mined again with its body cut short, noted on the
   * record and counted, so its batch and everyone else's records go on. A second failure on the cut
   * body means the miner itself is broken, and that is thrown.
   */
  #add(stream: string, record: LogRecord): TemplateMatch {
    try {
      return this.miner.add(stream, record.body, record.timestamp);
    } catch (error) {
      this.#quarantine("mine", error);
      record.body = record.body.slice(0, QUARANTINED_BODY_CHARS);
      record.attributes = {
        ...record.attributes,
        [DECODE_NOTE]: `mining failed (${reasonOf(error)}); body cut`,
      };
      return this.miner.add(stream, record.body, record.timestamp);
    }
  }

  /**
   * Every detector's findings on a slice. Each detector is an error boundary: one that throws on the slice
   * observes it again a record at a time, skipping the records it throws on (counted), and the other
   * detectors are not affected. The records observed before the first throw are observed twice, which
   * may count them twice in that detector's state; that is the cost of a bug, kept to one slice.
   */
  detect(records: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    for (const detector of this.detectors) {
      let found: Anomaly[];
      try {
        found = detector.observe(records);
      } catch (error) {
        this.#quarantine(`detect:${detector.name}`, error);
        found = this.#observeOneByOne(detector, records);
      }
      for (const anomaly of found) out.push(anomaly);
    }
    return out;
  }

  #observeOneByOne(detector: Detector, records: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    for (const record of records) {
      try {
        for (const anomaly of detector.observe([record])) out.push(anomaly);
      } catch (error) {
        this.#quarantine(`detect:${detector.name}`, error, record);
      }
    }
    return out;
  }

  /** Counts a failure in a stage and tells `onQuarantine` (the pipeline logs and meters it). */
  #quarantine(stage: string, error: unknown, record?: ParsedRecord): void {
    this.quarantined.set(stage, (this.quarantined.get(stage) ?? 0) + 1);
    this.onQuarantine?.({ stage, reason: reasonOf(error), ...(record ? { recordId: record.id } : {}) });
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
