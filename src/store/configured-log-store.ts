import type { Config } from "../config/schema.js";
import type { LogStore } from "../core/log-store.js";
import type { Store, StoreTransaction } from "./db.js";
import { logsTableStore } from "./logs-table-store.js";
import type { SegmentBuildThread } from "./segments/build-thread.js";
import { type SegmentLogStore, segmentLogStore } from "./segments/segment-log-store.js";

/** The segment store as `LOG_STORE=segments` configures it; `serve` builds its batch rows on a thread. */
export function configuredSegmentStore(
  store: Store,
  options: Config["logStore"],
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
 * `serve` adds (src/service/open-log-store.ts). For commands that read the store on their own.
 */
export function configuredLogStore(store: Store, options: Config["logStore"]): LogStore<StoreTransaction> {
  return options.engine === "segments" ? configuredSegmentStore(store, options) : logsTableStore(store);
}
