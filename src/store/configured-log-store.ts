import type { LogStore } from "../core/log-store.js";
import type { Store, StoreTransaction } from "./db.js";
import { logsTableStore } from "./logs-table-store.js";
import type { SegmentBuildThread } from "./segments/build-thread.js";
import { type SegmentLogStore, segmentLogStore } from "./segments/segment-log-store.js";

/**
 * The settings these read of the configuration's `logStore` (src/config/schema.ts: `LOG_STORE`,
 * `LOG_SEGMENT_LINES`, `LOG_SEAL_AFTER_SECS`), which passes as it is: declared here, as the store does
 * not import src/config (scripts/check-layers.mjs).
 */
export interface LogStoreOptions {
  engine: "table" | "segments";
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
    ...(buildThread ? { buildThread } : {}),
  });
}

/**
 * The configured `LogStore` for reading (and appending) as it is: no conversion, no sealing, which
 * `serve` adds (src/runtime/open-log-store.ts). For commands that read the store on their own.
 */
export function configuredLogStore(store: Store, options: LogStoreOptions): LogStore<StoreTransaction> {
  return options.engine === "segments" ? configuredSegmentStore(store, options) : logsTableStore(store);
}
