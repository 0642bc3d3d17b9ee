import { createHash } from "node:crypto";
import type { FileHandle } from "node:fs/promises";
import { isJsonObject, type JsonValue } from "../../core/json.js";

/** Bytes at the head of a file whose hash tells one file from another that reused its inode. */
export const FINGERPRINT_BYTES = 1024;

/**
 * A file's checkpoint in the `state` table. `offset` is committed: everything before it is stored.
 * `pending` is written just before a batch is submitted as the source's submission number `submission`:
 * on restart, if the source's committed submission watermark has reached it, the batch made it and
 * reading resumes at `to`; otherwise at `offset`. (A `pending` written by an older version, with a row-id
 * `watermark` instead, is read as not committed: the batch is read again rather than risk losing it.)
 */
export interface FileCheckpoint {
  path: string;
  offset: number;
  fingerprint: string;
  fingerprintBytes: number;
  /** Compressed files are read once; `done` marks one read to the end. */
  done?: boolean;
  pending?: { to: number; submission: number };
}

export function parseFileCheckpoint(value: JsonValue | undefined): FileCheckpoint | null {
  if (!isJsonObject(value)) return null;
  const { path, offset, fingerprint, fingerprintBytes, done, pending } = value;
  if (typeof path !== "string" || typeof offset !== "number" || typeof fingerprint !== "string") return null;
  const out: FileCheckpoint = {
    path,
    offset,
    fingerprint,
    fingerprintBytes: typeof fingerprintBytes === "number" ? fingerprintBytes : 0,
  };
  if (done === true) out.done = true;
  if (isJsonObject(pending) && typeof pending.to === "number" && typeof pending.submission === "number")
    out.pending = { to: pending.to, submission: pending.submission };
  return out;
}

export function checkpointJson(cp: FileCheckpoint): JsonValue {
  const out: { [k: string]: JsonValue } = {
    path: cp.path,
    offset: cp.offset,
    fingerprint: cp.fingerprint,
    fingerprintBytes: cp.fingerprintBytes,
  };
  if (cp.done) out.done = true;
  if (cp.pending) out.pending = { ...cp.pending };
  return out;
}

/** SHA-256 (hex, shortened) of the first `bytes` bytes of an open file. */
export async function fingerprintOf(fh: FileHandle, bytes: number): Promise<string> {
  if (bytes <= 0) return "";
  const buf = Buffer.alloc(bytes);
  const { bytesRead } = await fh.read(buf, 0, bytes, 0);
  return createHash("sha256").update(buf.subarray(0, bytesRead)).digest("hex").slice(0, 32);
}
