import pino from "pino";
import type { Config } from "../../src/config/schema.js";
import type { FakeClock } from "../../src/core/clock.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { IngestPipeline } from "../../src/pipeline/ingest-pipeline.js";
import type { Store } from "../../src/store/db.js";

/**
 * A pipeline on `store` whose state is saved only when the test calls `saveState` (the periodic save is an
 * hour away), so a test decides which batches a saved row reflects.
 */
export function manualSavePipeline(store: Store, config: Config, clock: FakeClock): IngestPipeline {
  return new IngestPipeline(store, createProcessor(config, clock), clock, pino({ level: "silent" }), {
    queueRecords: 100_000,
    queueMaxWaitSecs: 0,
    batchSize: 1_000,
    stateSaveIntervalMs: 3_600_000,
  });
}
