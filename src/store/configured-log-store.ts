import type { LogStore } from "../core/log-store.js";
import type { Store, StoreTransaction } from "./db.js";
import { type LogEngine, resolveLogEngine } from "./log-store-engine.js";
import { logsTableStore } from "./logs-table-store.js";
import type { SegmentBuildThread } from "./segments/build-thread.js";
import type { SegmentStorageSettings } from "./segments/segment-bytes.js";
import { type SegmentLogStore, segmentLogStore } from "./segments/segment-log-store.js";
import { segmentBytesFor } from "./segments/segment-storage.js";

/**
 * The settings these read of the configuration's `logStore` (src/config/schema.ts: `LOG_STORE`,
 * `LOG_SEGMENT_LINES`, `LOG_SEAL_AFTER_SECS`, `SEGMENT_STORAGE` and `S3_*`), which passes as it is:
 * declared here, as the store does not import src/config (scripts/check-layers.mjs).
 */
export interface LogStoreOptions extends SegmentStorageSettings {
  /** Unset: the store the database recorded (`resolveLogEngine`: segments for a new one). */
  engine?: LogEngine | undefined;
  segmentLines: number;
  sealAfterSecs: number;
}

/** The segment store as `LOG_STORE=segments` configures it; `serve` builds its batch rows on a thread. */
export function configuredSegmentStore(
  store: Store,
  options: LogStoreOptions,
  buildThread?: SegmentBuildThread,
): SegmentLogStore {
  return segmentLogStore(store, {
    segmentLines: options.segmentLines,
    sealAfterSeconds: options.sealAfterSecs,
    segmentBytes: segmentBytesFor(options),
    ...(buildThread ? { buildThread } : {}),
  });
}

/**
 * The configured `LogStore` for reading (and appending) as it is: no conversion, no sealing, which
 * `serve` adds (src/runtime/open-log-store.ts). For commands that read the store on their own; with
 * `LOG_STORE` unset, the store the database serves (`resolveLogEngine`).
 */
export async function configuredLogStore(
  store: Store,
  options: LogStoreOptions,
): Promise<LogStore<StoreTransaction>> {
  return (await resolveLogEngine(store, options.engine)) === "segments"
    ? configuredSegmentStore(store, options)
    : logsTableStore(store);
}
