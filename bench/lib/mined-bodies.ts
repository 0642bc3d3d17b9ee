import { loadConfig } from "../../src/config/load.js";
import type { ParsedRecord } from "../../src/core/log-record.js";
import { createMiner } from "../../src/parsers/create-miner.js";
import { Processor } from "../../src/pipeline/processor.js";
import { type IngestLog, recordFromIngestLog } from "../../src/service/ingest-records.js";
import { ingestBodies } from "./ingest-server.js";

/**
 * bench:ingest's NDJSON bodies (`ingestBodies`), each decoded and mined as `/ingest` does it (one
 * long-lived miner with the default configuration): the records of one batch row per body.
 */
export function minedIngestBodies(count: number): ParsedRecord[][] {
  const config = loadConfig({ env: { DATA_DIR: "/tmp" } });
  const processor = new Processor(createMiner(config.miner), []);
  const observedAt = new Date().toISOString();
  return ingestBodies(count).map((body) =>
    processor.mine(
      body
        .split("\n")
        .filter(Boolean)
        .map((line) => recordFromIngestLog(JSON.parse(line) as IngestLog, observedAt)),
    ),
  );
}
