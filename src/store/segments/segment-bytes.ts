import type { Store, StoreScope } from "../db.js";

/**
 * Where sealed segments' bytes live (issue 45 item 6). The catalogue (`log_segments`: reference, time and
 * severity ranges, the digit filters) always stays in the database, which every reader lists pieces from;
 * only the bytes move. `database` (the default) keeps them in the row's `data` as before; `s3` keeps each
 * segment as one object of an S3-compatible bucket, so stored lines grow the bucket, not the database.
 *
 * The row decides how a segment is read (`object_key` null: the bytes are in `data`), the setting how new
 * ones are written: a database that sealed segments in its rows before `SEGMENT_STORAGE=s3` keeps reading
 * them there, nothing is moved.
 */
export type SegmentStorageKind = "database" | "s3";

/** `length` bytes from `offset` (fewer when the segment ends first; none from past its end). */
export interface ByteRange {
  offset: number;
  length: number;
}

/** Refuses a range no reader means (negative, fractional): a wrong read must not look like a short one. */
export function checkRange(range: ByteRange | undefined): void {
  if (range === undefined) return;
  if (!Number.isSafeInteger(range.offset) || !Number.isSafeInteger(range.length))
    throw new RangeError(`byte range ${range.offset}+${range.length}: expected whole numbers`);
  if (range.offset < 0 || range.length < 0)
    throw new RangeError(`byte range ${range.offset}+${range.length}: expected no negative number`);
}

/** What a segment's catalogue row records of its bytes: the bytes themselves, or the object holding them. */
export interface PlacedBytes {
  /** The row's `data`: the bytes, or empty when an object holds them. */
  data: Uint8Array;
  /** The row's `object_key`: the object holding the bytes, or null when `data` does. */
  objectKey: string | null;
}

/** What one orphan collection did (`SegmentBytes.collectOrphans`). */
export interface OrphanSweep {
  /** Objects listed under the store's prefix. */
  listed: number;
  /** Of those, objects older than the grace period that no row named, now deleted. */
  deleted: number;
}

/**
 * A sealed segment's bytes: put before the transaction that commits its row (which records what `put`
 * returned), read by the row's id, whole or a range, and deleted after the transaction that deleted the
 * row. An object written whose row never committed (a crash between the two, a seal rolled back) is an
 * orphan: `collectOrphans` finds and deletes it. An object a committed row names is never deleted.
 */
export interface SegmentBytes {
  readonly kind: SegmentStorageKind;
  /** Stores the bytes of the segment starting at reference `firstRef`; what its row is to record. */
  put(firstRef: number, bytes: Uint8Array): Promise<PlacedBytes>;
  /** Segment `id`'s bytes (or `range` of them), or null when its row is gone (retention dropped it). */
  get(scope: StoreScope, id: number, range?: ByteRange): Promise<Uint8Array | null>;
  /** Deletes objects whose rows are gone (committed), or were never committed. */
  delete(objectKeys: readonly string[]): Promise<void>;
  /** Deletes the objects older than the grace period that no row names (nothing to do in `database`). */
  collectOrphans(store: Store, now: Date): Promise<OrphanSweep>;
  /**
   * Resolves when the bytes can be reached (the bucket answers these credentials), else throws an error
   * that says where and why: `serve` checks at start, as it does PostgreSQL and RabbitMQ.
   */
  probe(): Promise<void>;
}

/**
 * The S3 settings (src/config/schema.ts, `S3_*`), as the store takes them: declared here, since the store
 * does not import src/config (scripts/check-layers.mjs). Plain data, so threads are started with it.
 */
export interface S3Settings {
  /** The server's URL (`http://127.0.0.1:9000`); unset: AWS's own endpoint for `region`. */
  endpoint?: string | undefined;
  bucket?: string | undefined;
  region: string;
  /** Both or neither; neither: the SDK's usual chain (AWS_* variables, a profile, an instance role). */
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  /** Prepended to every key this store writes and lists (one deployment's objects, in a shared bucket). */
  prefix: string;
  /**
   * The bucket in the path (`endpoint/bucket/key`), as most self-hosted servers need, rather than in the
   * host name; unset: when `endpoint` is set.
   */
  forcePathStyle?: boolean | undefined;
}

/** `SEGMENT_STORAGE` and the S3 settings, as the configuration's `logStore` carries them. */
export interface SegmentStorageSettings {
  segmentStorage?: SegmentStorageKind | undefined;
  s3?: S3Settings | undefined;
}

/**
 * A segment's row names an object, and this process was not configured to read object storage: said
 * plainly, as a wrong setting, rather than read as an empty segment.
 */
export class SegmentObjectUnreadable extends Error {
  constructor(id: number, key: string) {
    super(
      `segment ${id} is stored in object storage (object "${key}"), and this process has ` +
        "SEGMENT_STORAGE=database: set SEGMENT_STORAGE=s3 and the S3_* settings of the bucket that holds it",
    );
    this.name = "SegmentObjectUnreadable";
  }
}

/** A committed row names an object the bucket does not hold: the one loss this design must never make. */
export class SegmentObjectMissing extends Error {
  constructor(id: number, key: string) {
    super(`segment ${id}: its object "${key}" is missing from the bucket`);
    this.name = "SegmentObjectMissing";
  }
}
