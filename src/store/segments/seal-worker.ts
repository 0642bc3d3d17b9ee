import type { MessagePort } from "node:worker_threads";
import { lowerThisThreadPriority } from "../../threads/thread-priority.js";
import { openConfiguredStore } from "../db.js";
import { type SealReport, sealUntilStopped } from "./seal-loop.js";
import type { SegmentStorageSettings } from "./segment-bytes.js";
import { segmentLogStore } from "./segment-log-store.js";
import { segmentBytesFor } from "./segment-storage.js";

/** What the sealing thread is started with (structured-cloned from the main thread). */
export interface SealWorkerData {
  store: {
    databaseUrl?: string | undefined;
    sqliteDbPath?: string | undefined;
    dataDir: string;
    sqliteCacheMb: number;
    /** The event loop's connection's `StoreDialect.writeTurns`, to take turns at SQLite's write lock. */
    sqliteWriteTurns?: SharedArrayBuffer | undefined;
  };
  segmentLines: number;
  sealAfterSeconds: number;
  checkMs: number;
  /** Where sealed segments' bytes go (`SEGMENT_STORAGE`, `S3_*`): their rows when unset. */
  segmentStorage?: SegmentStorageSettings | undefined;
}

/** Messages the sealing thread sends back: what it sealed, what failed, and that it stopped. */
export type SealWorkerMessage = SealReport | { type: "stopped" };

/**
 * The sealing thread's body: its own connection to the store (a second SQLite connection to the same
 * file, or a pg pool of its own), and a loop that seals whenever a seal is due and goes on at once while
 * a backlog remains. Decoding batches, building columns and compressing all happen here, off the thread
 * that parses and detects. "stop" from the parent ends the loop after the seal under way.
 */
export async function runSealWorker(data: SealWorkerData, port: MessagePort): Promise<void> {
  lowerThisThreadPriority();
  const store = openConfiguredStore({ ...data.store, sqliteReadThreads: 0 });
  const logs = segmentLogStore(store, {
    segmentLines: data.segmentLines,
    sealAfterSeconds: data.sealAfterSeconds,
    cachedReaders: 0,
    compressSealsInline: true,
    segmentBytes: segmentBytesFor(data.segmentStorage),
  });
  const stop = new AbortController();
  port.on("message", (m: unknown) => {
    if (m === "stop") stop.abort();
  });
  const post = (m: SealWorkerMessage) => port.postMessage(m);
  try {
    await sealUntilStopped(logs, data.checkMs, stop.signal, post);
  } finally {
    await store.close();
    post({ type: "stopped" });
  }
}
