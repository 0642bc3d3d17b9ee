import type { BackpressureError } from "../core/errors.js";
import type { SubmissionRef } from "../core/source.js";
import type { IngestResult, RecordSource, SubmissionExtras } from "./ingest-types.js";

/**
 * Where every door (HTTP, syslog, OTLP, file and PostgreSQL sources, MCP) hands records: the local
 * `IngestPipeline`, or on a cluster node the hand-off to the partitions' owners (src/distribution), which
 * resolves once the broker has the records and reports no records or anomalies (their owners find those).
 */
export interface IngestPort {
  /** `extras.idempotent`: a keyed request's (its key written with the records, or hand-off ids derived from it). */
  submit(records: RecordSource, submission?: SubmissionRef, extras?: SubmissionExtras): Promise<IngestResult>;
  /** The refusal a submission of `records` would get now, or null (0: could anything be taken). */
  refusal(records?: number): BackpressureError | null;
  readonly accepting: boolean;
  /** Records taken and not yet committed (or confirmed by the broker). */
  readonly depth: number;
  readonly stats: { rejectedSubmissions: number };
}
