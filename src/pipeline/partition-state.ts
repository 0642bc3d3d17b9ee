import { isJsonObject, type JsonValue } from "../core/json.js";
import type { Processor } from "./processor.js";

/**
 * Pipeline state split by partition. A partition is a stream (`ParsedRecord.stream`, the service name):
 * the unit the miner keeps apart (one template tree per stream) and the unit issue 16 hands from node to
 * node. Each stream's templates and lineage are one row, `stream:<name>`; what belongs to no single stream
 * is the `shared` row: the miner's counters and the detectors' state. Detectors stay shared because most
 * of them key their state across streams (brute force and spraying by source address and user from any
 * service, new source IP by user and organisation-wide peers, sessions by a configured key); the ones
 * keyed by stream (volume, rare and new templates, error bursts) could split the same way, behind an
 * export per partition of their own.
 */
export const SHARED_PARTITION = "shared";

const STREAM_PREFIX = "stream:";
const VERSION = 1;

export function streamPartition(stream: string): string {
  return `${STREAM_PREFIX}${stream}`;
}

export interface PartitionSnapshot {
  partition: string;
  value: JsonValue;
}

/** The given streams' rows (streams the miner no longer knows are skipped). */
export function exportStreams(processor: Processor, streams: Iterable<string>): PartitionSnapshot[] {
  const out: PartitionSnapshot[] = [];
  for (const stream of streams) {
    const miner = processor.miner.exportStream(stream);
    if (miner !== undefined)
      out.push({ partition: streamPartition(stream), value: { version: VERSION, miner } });
  }
  return out;
}

export function exportShared(processor: Processor): PartitionSnapshot {
  const detectors: Record<string, JsonValue> = {};
  for (const d of processor.detectors) detectors[d.name] = d.exportState();
  return {
    partition: SHARED_PARTITION,
    value: { version: VERSION, miner: processor.miner.exportShared(), detectors },
  };
}

/**
 * Puts saved rows back: each stream row replaces its stream in the miner, the shared row the miner's
 * counters and the detectors' state. Rows of another version or shape are refused with an error naming
 * the partition, rather than half-applied.
 */
export function importPartitions(processor: Processor, rows: readonly PartitionSnapshot[]): void {
  const streams: JsonValue[] = [];
  let shared: { miner: JsonValue; detectors: Record<string, JsonValue> } | undefined;
  for (const row of rows) {
    const v = row.value;
    if (!isJsonObject(v) || v.version !== VERSION)
      throw new TypeError(`saved state of partition '${row.partition}' has an unknown version`);
    if (row.partition === SHARED_PARTITION) {
      const detectors = isJsonObject(v.detectors) ? v.detectors : {};
      shared = { miner: v.miner ?? null, detectors };
    } else if (row.partition.startsWith(STREAM_PREFIX) && v.miner !== undefined) {
      streams.push(v.miner);
    }
  }
  processor.miner.importStreams(shared?.miner, streams);
  if (!shared) return;
  for (const detector of processor.detectors) {
    const saved = shared.detectors[detector.name];
    if (saved !== undefined) detector.importState(saved);
  }
}
