import type { MessagePort } from "node:worker_threads";
import { ownsItsBuffer } from "../../threads/owned-bytes.js";
import { lowerThisThreadPriority } from "../../threads/thread-priority.js";
import type { CompressionOptions } from "../columnar/index.js";
import { FilledSegment } from "../columnar/index.js";
import type { SegmentRange } from "../columnar/segment-builder.js";
import { type PackedRecords, SegmentRecordUnpacker } from "../columnar/segment-record-pack.js";

/** What the main thread asks of the build thread, per job (one batch row). */
export type BuildRequest =
  | { type: "open"; job: number; firstRef: number; count: number }
  | { type: "add"; job: number; records: PackedRecords }
  | { type: "encode"; job: number; compression: CompressionOptions };

/** The answer to `encode`: the row's bytes (their buffer transferred) and ranges, or why there are none. */
export type BuildReply =
  | { job: number; data: Uint8Array; range: SegmentRange }
  | { job: number; error: string };

/**
 * Jobs kept open at once. The process's pipelines share the thread, each appending one batch at a time:
 * one pipeline on a single node, one per partition a cluster node owns (12 of them in bench:cluster's
 * one-node runs, where a bound of 4 failed batches that were still filling). A job whose transaction
 * failed before `encode` is never asked for again, and the oldest is dropped past this bound (an `encode`
 * of it would then fail, never encode other records).
 */
export const MAX_OPEN_JOBS = 64;

interface Job {
  segment: FilledSegment;
  unpacker: SegmentRecordUnpacker;
  /** The first failure while adding, reported at `encode`. */
  error: string | null;
}

/**
 * The build thread's body (`build-thread.ts`): fills one `FilledSegment` per job from packed records
 * and encodes it (columns and compression) when asked, answering with the bytes. Nothing here touches
 * the database: the main thread writes the row in its batch's transaction.
 */
export function runBuildWorker(_data: unknown, port: MessagePort): void {
  lowerThisThreadPriority();
  const jobs = new Map<number, Job>();
  port.on("message", (m: BuildRequest | "stop") => {
    if (m === "stop") {
      port.close();
      return;
    }
    if (m.type === "open") {
      jobs.set(m.job, {
        segment: new FilledSegment(m.firstRef, m.count),
        unpacker: new SegmentRecordUnpacker(),
        error: null,
      });
      if (jobs.size > MAX_OPEN_JOBS) jobs.delete(jobs.keys().next().value!);
      return;
    }
    const job = jobs.get(m.job);
    if (m.type === "add") {
      if (!job || job.error !== null) return;
      try {
        job.unpacker.unpack(m.records, job.segment.add);
      } catch (error) {
        job.error = messageOf(error);
      }
      return;
    }
    jobs.delete(m.job);
    const reply = encodeJob(m.job, job, m.compression);
    // The bytes are the reply's own buffer (`packBlocks` allocates it): moved, not copied.
    const owned = "data" in reply && ownsItsBuffer(reply.data);
    port.postMessage(reply, owned ? [reply.data.buffer as ArrayBuffer] : []);
  });
}

function encodeJob(id: number, job: Job | undefined, compression: CompressionOptions): BuildReply {
  if (!job) return { job: id, error: `build job ${id} is not open` };
  if (job.error !== null) return { job: id, error: job.error };
  try {
    const { data, range } = job.segment.encode(compression);
    return { job: id, data, range };
  } catch (error) {
    return { job: id, error: messageOf(error) };
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
