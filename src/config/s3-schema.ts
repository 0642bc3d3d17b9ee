import { z } from "zod";
import { envBool } from "./coerce.js";

/**
 * The S3-compatible bucket that keeps sealed segments' bytes when `SEGMENT_STORAGE=s3` (issue 45 item 6,
 * docs/deployment.md "Segments in object storage"). Read only then; the catalogue stays in the database.
 */
export const s3Schema = z
  .object({
    /** The server's URL (MinIO, Ceph's radosgw, Garage…); unset: AWS's own endpoint for the region. */
    endpoint: z.url({ protocol: /^https?$/, error: "expected an http:// or https:// URL" }).optional(),
    /** S3's naming rule: 3-63 lowercase letters, digits, dots and hyphens, from and to a letter or digit. */
    bucket: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, "expected an S3 bucket name (3-63 of a-z 0-9 . -)")
      .optional(),
    region: z.string().min(1).default("us-east-1"),
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
    /**
     * Prepended to every key (segments go under `<prefix>segments/`): several deployments can share a
     * bucket, each with its own prefix, since each deletes what it finds under its own that no row names.
     */
    prefix: z
      .string()
      .max(512)
      .refine((v) => v === "" || v.endsWith("/"), "expected empty or ending with /")
      .default("logwarden/"),
    /** The bucket in the URL's path rather than its host name; unset: on when `S3_ENDPOINT` is set. */
    forcePathStyle: envBool.optional(),
  })
  .prefault({});

/**
 * `SEGMENT_STORAGE=s3` needs a bucket, and credentials come in pairs: said at start, not at the first
 * seal.
 */
export function requireS3Bucket(
  store: { segmentStorage: string; s3: z.infer<typeof s3Schema> },
  ctx: z.RefinementCtx,
): void {
  if (store.segmentStorage !== "s3") return;
  if (store.s3.bucket === undefined)
    ctx.addIssue({
      code: "custom",
      path: ["segmentStorage"],
      message: "S3_BUCKET is required with SEGMENT_STORAGE=s3",
    });
  if ((store.s3.accessKeyId === undefined) !== (store.s3.secretAccessKey === undefined))
    ctx.addIssue({
      code: "custom",
      // Named by SEGMENT_STORAGE: an issue on a key's own path would print its value, here a secret.
      path: ["segmentStorage"],
      message:
        "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together (neither: the AWS SDK's own credential chain)",
    });
}

export const S3_ENV_KEYS: Record<string, string> = {
  SEGMENT_STORAGE: "logStore.segmentStorage",
  S3_ENDPOINT: "logStore.s3.endpoint",
  S3_BUCKET: "logStore.s3.bucket",
  S3_REGION: "logStore.s3.region",
  S3_ACCESS_KEY_ID: "logStore.s3.accessKeyId",
  S3_SECRET_ACCESS_KEY: "logStore.s3.secretAccessKey",
  S3_PREFIX: "logStore.s3.prefix",
  S3_FORCE_PATH_STYLE: "logStore.s3.forcePathStyle",
};
