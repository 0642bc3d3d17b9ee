import type { SegmentBytes, SegmentStorageSettings } from "./segment-bytes.js";
import { databaseSegmentBytes } from "./segment-bytes-db.js";
import { s3SegmentBytes } from "./segment-bytes-s3.js";

/**
 * The segment bytes `settings` choose: the database's rows when nothing is set. Apart from
 * segment-bytes.ts, which both implementations import (a module importing them would make a circle).
 */
export function segmentBytesFor(settings: SegmentStorageSettings | undefined): SegmentBytes {
  if (settings?.segmentStorage !== "s3") return databaseSegmentBytes();
  // The configuration refuses this first (S3_BUCKET is required with SEGMENT_STORAGE=s3).
  if (!settings.s3?.bucket) throw new Error("SEGMENT_STORAGE=s3 needs S3_BUCKET");
  return s3SegmentBytes({ ...settings.s3, bucket: settings.s3.bucket });
}
