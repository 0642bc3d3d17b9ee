/**
 * Raw corpus lines turned into the records a segment stores, by the real ingest code: `decodePlain`
 * (`splitHeader` for the timestamp, level, host, pid and component) and `DrainMiner` for the template, with
 * the dataset as the source's service, as a plain-text source named after it would be ingested.
 */
import { hostOf, serviceOf } from "../../src/core/log-record.js";
import { decodePlain } from "../../src/parsers/decoders/plain.js";
import { DrainMiner } from "../../src/parsers/drain/index.js";
import type { SegmentRecord } from "../../src/store/columnar/index.js";
import { toJsonText } from "../../src/store/json.js";

/** Ingest batches arrive every 10 ms with 1,000 lines each: the observed times of a 100k lines/s feed. */
const BATCH_LINES = 1000;
const BATCH_MS = 10;
const START_MS = Date.UTC(2026, 10, 23);

export class RecordMiner {
  private readonly miner = new DrainMiner();
  private lines = 0;

  record(dataset: string, line: string): SegmentRecord {
    const observedAt = new Date(START_MS + Math.floor(this.lines++ / BATCH_LINES) * BATCH_MS).toISOString();
    const r = decodePlain(line, { observedAt, defaultService: dataset });
    const service = serviceOf(r);
    const m = this.miner.add(service, r.body, r.timestamp);
    return {
      timestamp: r.timestamp,
      observedAt,
      service,
      host: hostOf(r),
      level: r.severityText,
      severityNumber: r.severityNumber,
      message: r.body,
      attributes: toJsonText(r.attributes),
      resource: toJsonText(r.resource),
      stream: service,
      templateId: m.templateId,
      template: m.template,
    };
  }
}
