import type { S3Client } from "@aws-sdk/client-s3";
import type { ByteRange, S3Settings } from "./segment-bytes.js";

/** An object as a listing shows it. */
export interface ListedObject {
  key: string;
  lastModified: Date;
}

/** The bucket operations the segment store uses, and nothing else (put, ranged get, delete, list). */
export interface ObjectStore {
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The object's bytes (or `range` of them); null when there is no such object. */
  get(key: string, range?: ByteRange): Promise<Uint8Array | null>;
  /** Deletes the objects; one that is not there is no error (S3's own rule). */
  deleteMany(keys: readonly string[]): Promise<void>;
  /** The objects whose keys start with `prefix`, a page (up to 1,000) at a time. */
  list(prefix: string): AsyncIterable<ListedObject[]>;
  /** Resolves when the bucket answers with these credentials (HeadBucket); else throws why not. */
  probe(): Promise<void>;
}

type Sdk = typeof import("@aws-sdk/client-s3");

/**
 * An S3-compatible bucket through AWS's own client (`@aws-sdk/client-s3`). The SDK is loaded on first
 * use, so a process on `SEGMENT_STORAGE=database` never loads it (its threads start from small bundles,
 * scripts/bundle-deps.mjs). Checksums are sent and checked only where S3 requires them: the SDK's newer
 * default (a CRC trailer on every upload, in aws-chunked encoding) is refused by several S3-compatible
 * servers, and the segment codec checks its own blocks.
 */
export function s3ObjectStore(settings: S3Settings & { bucket: string }): ObjectStore {
  const Bucket = settings.bucket;
  let opened: Promise<{ sdk: Sdk; client: S3Client }> | undefined;
  const open = () =>
    (opened ??= import("@aws-sdk/client-s3").then((sdk) => ({
      sdk,
      client: new sdk.S3Client({
        region: settings.region,
        ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
        forcePathStyle: settings.forcePathStyle ?? settings.endpoint !== undefined,
        ...(settings.accessKeyId === undefined || settings.secretAccessKey === undefined
          ? {}
          : {
              credentials: {
                accessKeyId: settings.accessKeyId,
                secretAccessKey: settings.secretAccessKey,
              },
            }),
        requestChecksumCalculation: "WHEN_REQUIRED",
        responseChecksumValidation: "WHEN_REQUIRED",
      }),
    })));

  return {
    async put(key, bytes) {
      const { sdk, client } = await open();
      await client.send(
        new sdk.PutObjectCommand({ Bucket, Key: key, Body: bytes, ContentLength: bytes.length }),
      );
    },

    async get(key, range) {
      const { sdk, client } = await open();
      if (range?.length === 0) return new Uint8Array(0);
      try {
        const answer = await client.send(
          new sdk.GetObjectCommand({
            Bucket,
            Key: key,
            ...(range === undefined
              ? {}
              : { Range: `bytes=${range.offset}-${range.offset + range.length - 1}` }),
          }),
        );
        if (!answer.Body) return new Uint8Array(0);
        const bytes = await answer.Body.transformToByteArray();
        // A server that ignores Range answers 200 with the whole object: cut it here.
        if (range !== undefined && answer.ContentRange === undefined && bytes.length > range.length)
          return bytes.subarray(range.offset, range.offset + range.length);
        return bytes;
      } catch (error) {
        if (error instanceof sdk.NoSuchKey || statusOf(error) === 404) return null;
        // A range starting at or past the end: no bytes, as the database's substr gives.
        if (statusOf(error) === 416) return new Uint8Array(0);
        throw error;
      }
    },

    async deleteMany(keys) {
      if (keys.length === 0) return;
      const { sdk, client } = await open();
      // DeleteObjects takes 1,000 keys at most.
      for (let i = 0; i < keys.length; i += 1000) {
        const part = keys.slice(i, i + 1000);
        const answer = await client.send(
          new sdk.DeleteObjectsCommand({
            Bucket,
            Delete: { Objects: part.map((Key) => ({ Key })), Quiet: true },
          }),
        );
        const failed = answer.Errors ?? [];
        if (failed.length > 0)
          throw new Error(
            `S3 refused to delete ${failed.length} object(s), first ${failed[0]!.Key}: ${failed[0]!.Code} ${failed[0]!.Message}`,
          );
      }
    },

    async probe() {
      const { sdk, client } = await open();
      await client.send(new sdk.HeadBucketCommand({ Bucket }));
    },

    async *list(prefix) {
      const { sdk, client } = await open();
      let token: string | undefined;
      do {
        const page = await client.send(
          new sdk.ListObjectsV2Command({
            Bucket,
            Prefix: prefix,
            ...(token === undefined ? {} : { ContinuationToken: token }),
          }),
        );
        // An object the listing gives no time for is dated in the future: never old enough to collect.
        const objects = (page.Contents ?? []).flatMap((o) =>
          o.Key === undefined ? [] : [{ key: o.Key, lastModified: o.LastModified ?? UNDATED }],
        );
        if (objects.length > 0) yield objects;
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
    },
  };
}

const UNDATED = new Date(8.64e15);

/** What an SDK error says, with its HTTP status: a HEAD's 403 and 404 come with no message of their own. */
export function describeS3Error(error: unknown): string {
  const status = statusOf(error);
  if (status === 404) return "no such bucket (HTTP 404)";
  if (status === 403) return "access denied: wrong credentials or no permission (HTTP 403)";
  const name = error instanceof Error ? error.name : "Error";
  const said = error instanceof Error ? error.message : String(error);
  const message = said !== "" && said !== name && said !== "UnknownError" ? `: ${said}` : "";
  return `${name}${message}${status === undefined ? "" : ` (HTTP ${status})`}`;
}

function statusOf(error: unknown): number | undefined {
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata;
  return meta?.httpStatusCode;
}
