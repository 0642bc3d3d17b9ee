import { serialize } from "node:v8";
import { DECODED_CHUNK_RECORDS, type DecodedIngestBody } from "../../service/decoded-ingest-records.js";
import { IngestRecords } from "../../service/ingest-records.js";
import { packLogRecords } from "../../service/packed-log-records.js";
import { ownedBytes } from "../../threads/owned-bytes.js";
import { plainIngestLogs } from "../routes/ingest-log-check.js";
import { parseNdjsonLines } from "../routes/ndjson-lines.js";

/**
 * An NDJSON `POST /ingest` body decoded as the event loop decodes it (`parseNdjsonLines`,
 * `plainIngestLogs`, `IngestRecords`), with the records packed for the trip back. Null when the body is
 * not JSON on every line or not plain logs: the event loop then parses it again, and says what is wrong
 * in the words it always used (zod's, or `invalid_json`'s).
 */
export function decodeIngestBody(body: Uint8Array, observedAt: string): DecodedIngestBody | null {
  let logs: ReturnType<typeof plainIngestLogs>;
  try {
    logs = plainIngestLogs(parseNdjsonLines(Buffer.from(body.buffer, body.byteOffset, body.byteLength)));
  } catch {
    return null;
  }
  if (logs === null) return null;
  const records = new IngestRecords(logs, observedAt, false);
  const chunks: Uint8Array[] = [];
  for (let start = 0; start < logs.length; start += DECODED_CHUNK_RECORDS)
    chunks.push(ownedBytes(serialize(packLogRecords(records.slice(start, start + DECODED_CHUNK_RECORDS)))));
  return {
    count: logs.length,
    chunks,
    warnings: records.warnings,
    groups: [...records.groups].map(([service, g]) => ({
      service,
      indexes: g.indexes,
      tally: g.tally.figures(),
    })),
  };
}
