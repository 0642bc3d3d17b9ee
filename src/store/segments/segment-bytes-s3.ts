import { randomBytes } from "node:crypto";
import { describeS3Error, type ObjectStore, s3ObjectStore } from "./s3-objects.js";
import {
  type ByteRange,
  checkRange,
  type S3Settings,
  type SegmentBytes,
  SegmentObjectMissing,
} from "./segment-bytes.js";
import { readSegmentRow } from "./segment-bytes-db.js";
import { collectOrphanObjects, DEFAULT_ORPHAN_GRACE_MS } from "./segment-orphans.js";

export interface S3SegmentBytesOptions {
  /** Tests: the bucket to use instead of one built from the settings. */
  objects?: ObjectStore;
  /** How old an unnamed object must be before it is collected (`DEFAULT_ORPHAN_GRACE_MS`). */
  orphanGraceMs?: number;
}

/** Where this store's segment objects are, under `S3_PREFIX`: nothing else under it is ever listed. */
export function segmentObjectsPrefix(prefix: string): string {
  return `${prefix}segments/`;
}

/**
 * Each sealed segment as one object of an S3-compatible bucket (`SEGMENT_STORAGE=s3`); its row keeps the
 * key and an empty `data`. A key is never reused: the segment's first reference (zero-padded, so a listing
 * is in reference order) and 12 random hex digits, since two seals racing for the same batches (nodes on
 * one PostgreSQL, before the seal lock settles it) would otherwise write the same key, and the loser's
 * rollback must not delete the winner's object. Rows written before S3 was configured (`object_key`
 * null) are still read from `data`.
 */
export function s3SegmentBytes(
  settings: S3Settings & { bucket: string },
  options: S3SegmentBytesOptions = {},
): SegmentBytes {
  const objects = options.objects ?? s3ObjectStore(settings);
  const prefix = segmentObjectsPrefix(settings.prefix);
  const graceMs = options.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS;
  return {
    kind: "s3",

    async put(firstRef, bytes) {
      const key = `${prefix}${String(firstRef).padStart(16, "0")}-${randomBytes(6).toString("hex")}`;
      await objects.put(key, bytes);
      return { data: new Uint8Array(0), objectKey: key };
    },

    async get(scope, id, range?: ByteRange) {
      checkRange(range);
      if (range?.length === 0) return new Uint8Array(0);
      const row = await readSegmentRow(scope, id, range);
      if (!row) return null;
      if (row.objectKey === null) return row.data;
      const bytes = await objects.get(row.objectKey, range);
      if (bytes !== null) return bytes;
      // Retention deletes the row, then the object: a read between the two finds the row gone now.
      if (!(await readSegmentRow(scope, id, { offset: 0, length: 0 }))) return null;
      throw new SegmentObjectMissing(id, row.objectKey);
    },

    delete: (objectKeys) => objects.deleteMany(objectKeys),

    collectOrphans: (store, now) => collectOrphanObjects(store, objects, prefix, now, graceMs),

    async probe() {
      try {
        await objects.probe();
      } catch (error) {
        const where = settings.endpoint ?? `AWS S3 (${settings.region})`;
        throw new Error(
          `SEGMENT_STORAGE=s3: bucket "${settings.bucket}" at ${where} does not answer: ` +
            `${describeS3Error(error)}; check S3_ENDPOINT, S3_BUCKET (it must exist) and the credentials`,
        );
      }
    },
  };
}
