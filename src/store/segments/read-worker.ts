import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import type { MessagePort } from "node:worker_threads";
import type { LogStore } from "../../core/log-store.js";
import { openStore } from "../db.js";
import { sqliteConnectionOf } from "../dialect/sqlite.js";
import type { SegmentStorageSettings } from "./segment-bytes.js";
import { segmentLogStore } from "./segment-log-store.js";
import { segmentBytesFor } from "./segment-storage.js";

/** What a read thread is started with (structured-cloned from the main thread). */
export interface ReadWorkerData {
  /** The store's URL or SQLite path, as `openStore` takes it. */
  url: string;
  sqliteCacheMb: number;
  /** How far below the process's priority the thread runs (Linux), so long reads never slow ingest. */
  nice: number;
  /** Where segments' bytes are read from when their rows name objects (`SEGMENT_STORAGE`, `S3_*`). */
  segmentStorage?: SegmentStorageSettings | undefined;
}

/** The `LogStore` reads that run on a read thread: the scans, whose cost grows with the store. */
export type ReadOp = "search" | "templateCounts" | "extent" | "histogram" | "countBy" | "context";

export interface ReadRequest {
  id: number;
  op: ReadOp;
  args: unknown[];
}

/** A thrown error as it crosses threads (a structured clone would drop its class and `code`). */
export interface ThreadError {
  name: string;
  message: string;
  code?: unknown;
}

/** What a read thread sends back: that it is ready, an answer, or that it stopped. */
export type ReadWorkerMessage =
  | { type: "ready" }
  | { type: "answer"; id: number; result?: unknown; error?: ThreadError }
  | { type: "stopped" };

/**
 * A read thread's body: its own connection to the store (a second SQLite connection to the same file,
 * refusing writes, or a pg pool of its own) and its own segment store, whose caches of parsed indexes and
 * decoded pieces outlive each query. Each request is one `LogStore` read; queries are answered in
 * whatever order they finish. "stop" closes the connection.
 */
export async function runSegmentReadWorker(data: ReadWorkerData, port: MessagePort): Promise<void> {
  lowerThisThreadsPriority(data.nice);
  const store = openStore({ url: data.url, sqliteCacheMb: data.sqliteCacheMb });
  // Reads only: with `query_only` SQLite refuses any write this connection might attempt.
  sqliteConnectionOf(store)?.exec("pragma query_only = 1");
  const logs: LogStore<unknown> = segmentLogStore(store, {
    segmentBytes: segmentBytesFor(data.segmentStorage),
  });
  const post = (m: ReadWorkerMessage) => port.postMessage(m);
  port.on("message", (m: ReadRequest | "stop") => {
    if (m === "stop") {
      void store.close().finally(() => post({ type: "stopped" }));
      return;
    }
    const read = logs[m.op] as (...args: unknown[]) => Promise<unknown>;
    Promise.resolve()
      .then(() => read.apply(logs, m.args))
      .then(
        (result) => post({ type: "answer", id: m.id, result }),
        (error: unknown) => post({ type: "answer", id: m.id, error: threadError(error) }),
      );
  });
  post({ type: "ready" });
}

function threadError(error: unknown): ThreadError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { name: error.name, message: error.message, ...(code === undefined ? {} : { code }) };
}

/**
 * Linux keeps a nice value per thread, so this thread alone is lowered (its id from
 * `/proc/thread-self`), as the SQLite read threads are (sqlite-read-worker.ts). Elsewhere, or without
 * permission, the thread runs at the process's priority.
 */
function lowerThisThreadsPriority(nice: number): void {
  if (nice === 0) return;
  try {
    const threadId = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(threadId) || threadId <= 0) return;
    setPriority(threadId, Math.min(19, getPriority(threadId) + nice));
  } catch {
    // Not Linux, or not allowed: keep the priority.
  }
}
