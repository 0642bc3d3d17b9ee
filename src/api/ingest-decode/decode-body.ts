import { DEFAULT_LINE_LIMIT, type LineLimit, overLimit } from "../../core/line-limit.js";
import { DECODED_CHUNK_RECORDS, type DecodedIngestBody } from "../../service/decoded-ingest-records.js";
import { type IngestLog, IngestRecords } from "../../service/ingest-records.js";
import { encodeLogRecords } from "../../service/packed-log-records.js";
import { ownedBytes } from "../../threads/owned-bytes.js";
import { plainIngestLog } from "../routes/ingest-log-check.js";
import { eachNdjsonValue } from "../routes/ndjson-lines.js";

/**
 * An NDJSON `POST /ingest` body decoded as the event loop decodes it (`parseNdjsonLines`,
 * `plainIngestLogs`, `IngestRecords`), with the records packed for the trip back. Null when the body is
 * not JSON on every line or not plain logs: the event loop then parses it again, and says what is wrong
 * in the words it always used (zod's, or `invalid_json`'s); null too for a message past `MAX_LINE_BYTES`
 * while `LINE_TOO_LONG` is `refuse`, which the event loop refuses (413) before storing anything.
 *
 * The body is read a chunk at a time (`eachNdjsonValue`): a chunk's lines are parsed, checked, decoded
 * and packed before the next chunk's are parsed, so no parsed line outlives its chunk. Parsing the whole
 * body first kept 5,000 parsed lines alive while their records were made, and a fifth of what the thread
 * allocated survived a young-generation collection (`--trace-gc-nvp` under bench:ingest's load), where
 * the event loop's share is about one tenth. A line that is not a plain log, or not JSON, found late,
 * throws the chunks before it away: the event loop does the whole body again anyway.
 */
export function decodeIngestBody(
  body: Uint8Array,
  observedAt: string,
  limit: LineLimit = DEFAULT_LINE_LIMIT,
): DecodedIngestBody | null {
  // Filled as lines are read; `IngestRecords` empties each slot as it decodes it (`keepLogs` false).
  const logs: (IngestLog | undefined)[] = [];
  const records = new IngestRecords(logs, observedAt, false, limit);
  const refusing = limit.onTooLong === "refuse";
  const chunks: Uint8Array[] = [];
  const pack = (start: number, stop: number) =>
    chunks.push(ownedBytes(encodeLogRecords(records.slice(start, stop))));
  let plain: boolean;
  try {
    plain = eachNdjsonValue(Buffer.from(body.buffer, body.byteOffset, body.byteLength), (value) => {
      const log = plainIngestLog(value);
      if (log === null) return false;
      // A body to refuse (`LINE_TOO_LONG=refuse`) goes back to the event loop, which answers the 413.
      if (refusing && overLimit(log.message, limit.maxBytes)) return false;
      const n = logs.push(log);
      if (n % DECODED_CHUNK_RECORDS === 0) pack(n - DECODED_CHUNK_RECORDS, n);
      return true;
    });
  } catch {
    return null;
  }
  // `plainIngestLogs` takes no empty body either: zod words that 400.
  if (!plain || logs.length === 0) return null;
  const rest = logs.length % DECODED_CHUNK_RECORDS;
  if (rest > 0) pack(logs.length - rest, logs.length);
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
