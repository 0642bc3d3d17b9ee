/**
 * The records of `fixtures/segment-v1.bin`: a segment written by the codec's format version 1 (before the
 * stored digit filter), kept as bytes so every later version is tested on reading what that release wrote.
 */
import type { SegmentRecord } from "../../../src/store/columnar/index.js";
import { apiRecord } from "./segment-records.js";

export function v1SegmentRecords(): SegmentRecord[] {
  const out: SegmentRecord[] = [];
  for (let i = 0; i < 600; i++) {
    const timestamp = new Date(Date.UTC(2026, 10, 1) + i * 86).toISOString();
    const id = String(4_612_354_093 + i * 7_919);
    const kind = i % 4;
    if (kind === 0)
      out.push(apiRecord({ timestamp, template: "order <*> paid", message: `order ${id} paid` }));
    else if (kind === 1)
      out.push(
        apiRecord({
          timestamp,
          template: "blk_<*> served to <*>",
          message: `blk_-${id}${i % 10} served to 10.0.${i % 7}.${i % 250}:50010`,
        }),
      );
    else if (kind === 2)
      out.push(apiRecord({ timestamp, templateId: null, template: null, message: `raw line ${i} id=${id}` }));
    else
      out.push(
        apiRecord({
          timestamp,
          template: "took <*> ms for <*>",
          message: `took ${i * 13} ms for req-${id.slice(0, 6)}`,
        }),
      );
  }
  return out;
}
