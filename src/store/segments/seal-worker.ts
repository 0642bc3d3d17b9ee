import type { MessagePort } from "node:worker_threads";
import { openConfiguredStore } from "../db.js";
import { SealRaceError } from "./sealer.js";
import { segmentLogStore } from "./segment-log-store.js";

/** What the sealing thread is started with (structured-cloned from the main thread). */
export interface SealWorkerData {
  store: {
    databaseUrl?: string | undefined;
    sqliteDbPath?: string | undefined;
    dataDir: string;
    sqliteCacheMb: number;
  };
  segmentLines: number;
  sealAfterSeconds: number;
  checkMs: number;
}

/** Messages the sealing thread sends back: what it sealed, what failed, and that it stopped. */
export type SealWorkerMessage =
  | { type: "sealed"; batches: number; segments: number; lines: number }
  | { type: "failed"; message: string }
  | { type: "stopped" };

/**
 * The sealing thread's body: its own connection to the store (a second SQLite connection to the same
 * file, or a pg pool of its own), and a loop that seals whenever a seal is due and goes on at once while
 * a backlog remains. Decoding batches, building columns and compressing all happen here, off the thread
 * that parses and detects. "stop" from the parent ends the loop after the seal under way.
 */
export async function runSealWorker(data: SealWorkerData, port: MessagePort): Promise<void> {
  const store = openConfiguredStore({ ...data.store, sqliteReadThreads: 0 });
  const logs = segmentLogStore(store, {
    segmentLines: data.segmentLines,
    sealAfterSeconds: data.sealAfterSeconds,
    cachedReaders: 0,
  });
  let stopping = false;
  let wake: (() => void) | undefined;
  port.on("message", (m: unknown) => {
    if (m === "stop") {
      stopping = true;
      wake?.();
    }
  });
  const post = (m: SealWorkerMessage) => port.postMessage(m);
  try {
    while (!stopping) {
      let sealed = false;
      try {
        const result = await logs.sealIfDue(new Date());
        sealed = result !== null && result.lines > 0;
        if (result && sealed) post({ type: "sealed", ...result });
      } catch (error) {
        // Lost a race for the same batches to another node's sealer: they are sealed, look again.
        if (error instanceof SealRaceError) continue;
        post({ type: "failed", message: error instanceof Error ? error.message : String(error) });
      }
      if (!sealed && !stopping)
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, data.checkMs);
        });
    }
  } finally {
    await store.close();
    post({ type: "stopped" });
  }
}
