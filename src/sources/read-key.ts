import { createHash } from "node:crypto";
import type { LogRecord } from "../core/log-record.js";
import type { SubmissionRef } from "../core/source.js";

/**
 * A source submission's key (`SubmissionRef.key`): where the records were read (`position`: the source,
 * the file or table, the range) and what was read there (each record's body, in order), hashed. The same
 * read after a restart gives the same key, so a cluster node's hand-off of it is recognised by the
 * partitions' owners; a file truncated and written again reads other lines at the same offsets, and so
 * gets another key.
 */
export function readKey(position: readonly string[], records: readonly LogRecord[]): string {
  const hash = createHash("sha256");
  for (const part of position) hash.update(part).update("\0");
  hash.update(String(records.length)).update("\0");
  for (const r of records) hash.update(r.body).update("\n");
  return `${position[0] ?? "source"}:${hash.digest("base64url")}`;
}

/**
 * A source's numbered submission whose key (`readKey`) is hashed only when asked for: a cluster node's
 * hand-off reads it, one node's pipeline settles crashes by `seq` and never does, so the lines a single
 * node reads cost no hashing.
 */
export function keyedSubmission(
  source: string,
  seq: number,
  position: readonly string[],
  records: readonly LogRecord[],
): SubmissionRef {
  let key: string | undefined;
  return {
    source,
    seq,
    get key() {
      key ??= readKey(position, records);
      return key;
    },
  };
}
