/**
 * One record as a segment stores it: what a row of the `logs` table holds today (src/store/repos/logs.ts),
 * with the JSON columns as the exact texts written there, so a decoded record is byte-identical to what
 * was encoded. `template` is the template text at mining time: a cluster's template can generalise
 * later, and the message is encoded against the text it had then.
 */
export interface SegmentRecord {
  /** Record time, ISO-8601 (canonical `toISOString()` texts are stored as numbers, any other verbatim). */
  timestamp: string;
  observedAt: string;
  service: string;
  host: string | null;
  level: string | null;
  severityNumber: number;
  message: string;
  /** Event attributes as JSON text (the `metadata` column). */
  attributes: string;
  /** Resource attributes as JSON text. */
  resource: string;
  stream: string;
  templateId: string | null;
  template: string | null;
}

/** A decoded record with its reference: the segment's first reference plus its position. */
export interface SegmentRecordWithRef extends SegmentRecord {
  ref: number;
}

/** A record with every field empty: the one object a fill loop refills for each record it hands on. */
export function emptySegmentRecord(): SegmentRecord {
  return {
    timestamp: "",
    observedAt: "",
    service: "",
    host: null,
    level: null,
    severityNumber: 0,
    message: "",
    attributes: "",
    resource: "",
    stream: "",
    templateId: null,
    template: null,
  };
}
