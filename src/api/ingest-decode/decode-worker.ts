import type { MessagePort } from "node:worker_threads";
import type { LineLimit } from "../../core/line-limit.js";
import type { DecodedIngestBody } from "../../service/decoded-ingest-records.js";
import { lowerThisThreadPriority } from "../../threads/thread-priority.js";
import { decodeIngestBody } from "./decode-body.js";

/** What the event loop asks of a decode thread: one body. */
export interface DecodeRequest {
  job: number;
  body: Uint8Array;
  observedAt: string;
  /** `MAX_LINE_BYTES` and `LINE_TOO_LONG`. */
  limit: LineLimit;
}

/** The body decoded, or null for the event loop to parse it itself (and word what is wrong with it). */
export interface DecodeReply {
  job: number;
  decoded: DecodedIngestBody | null;
  /** Why decoding threw (a defect: the event loop then decodes the body, and logs this). */
  error?: string;
}

/** A decode thread's body (`decode-threads.ts`): decodes each body it is sent, in turn. */
export function runDecodeWorker(_data: unknown, port: MessagePort): void {
  lowerThisThreadPriority();
  port.on("message", (m: DecodeRequest | "stop") => {
    if (m === "stop") {
      port.close();
      return;
    }
    let reply: DecodeReply;
    try {
      reply = { job: m.job, decoded: decodeIngestBody(m.body, m.observedAt, m.limit) };
    } catch (error) {
      reply = { job: m.job, decoded: null, error: error instanceof Error ? error.message : String(error) };
    }
    // Each chunk's bytes are its own buffer (`ownedBytes`): moved, not copied.
    port.postMessage(reply, reply.decoded ? reply.decoded.chunks.map((c) => c.buffer as ArrayBuffer) : []);
  });
}
