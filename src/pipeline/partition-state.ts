import { isStreamPartitioned } from "../core/detector.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";
import type { Processor } from "./processor.js";

/**
 * Pipeline state split by partition. A partition is a stream (`ParsedRecord.stream`, the service name):
 * the unit the miner keeps apart (one template tree per stream) and the unit issue 16 hands from node to
 * node. Each origin's row, `stream:<origin>` (`ParsedRecord.origin`: the service as seen from one file or
 * machine, or the service itself), holds under `detectors` its state in every detector keyed by stream
 * (`StreamPartitioned`: volume, rare_template, new_template, error_burst, severe_events). The `shared` row holds the miner's counters, under `partitioned` those detectors' shared
 * remainder (counters, which key a full map forgets next), and under `detectors` the whole state of the
 * detectors keyed across streams: brute force and spraying by source address and user from any service,
 * new source IP by user and organisation-wide peers, unusual login hour and privilege escalation by user,
 * WiFi by device, sessions by a configured key, and the window forest, whose tick closes every stream's
 * window when the input as a whole goes quiet.
 *
 * A stream's templates are in a row of their own, `miner:<name>` (version 3): they change when a line
 * creates or reshapes a template, while its detectors' state changes with every line, and a cluster
 * partition writes the state of every stream its batch touched with the batch. There, the templates are
 * written with a batch only when it changed them (ids, text and lineage then exact at a hand-over), and
 * their counts and recency at the periodic save; they were three fifths of a stream's row.
 *
 * Version 1 rows (before detectors were split) kept every detector whole in `shared`; they still load, and
 * `importPartitions` says so, so the pipeline writes every stream's row again at its next save. Version 2
 * stream rows held the stream's templates too; they still load, and `importPartitions` names those streams,
 * whose templates the next save writes in rows of their own.
 */
export const SHARED_PARTITION = "shared";

const STREAM_PREFIX = "stream:";
const MINER_PREFIX = "miner:";
const VERSION = 3;
const READABLE_VERSIONS: readonly JsonValue[] = [1, 2, VERSION];

export function streamPartition(stream: string): string {
  return `${STREAM_PREFIX}${stream}`;
}

export function minerPartition(stream: string): string {
  return `${MINER_PREFIX}${stream}`;
}

export interface PartitionSnapshot {
  partition: string;
  value: JsonValue;
}

/** Every stream the miner or a partitioned detector holds state for. */
export function knownStreams(processor: Processor): Set<string> {
  const streams = new Set(processor.miner.streamNames());
  for (const d of processor.detectors)
    if (isStreamPartitioned(d)) for (const stream of d.streams()) streams.add(stream);
  return streams;
}

/**
 * Streams a detector changed without records of theirs (a tick closing intervals) since the last call:
 * their rows are due as much as those of the streams batches changed.
 */
export function takeChangedStreams(processor: Processor): string[] {
  const out: string[] = [];
  for (const d of processor.detectors)
    if (isStreamPartitioned(d) && d.takeChangedStreams) for (const s of d.takeChangedStreams()) out.push(s);
  return out;
}

/**
 * The rows of the given streams: their state in the partitioned detectors (`stream:`), and the templates
 * of `minerStreams` (`miner:`, by default the same streams). A stream nothing holds state for any more is
 * skipped.
 */
export function exportStreams(
  processor: Processor,
  streams: Iterable<string>,
  minerStreams: Iterable<string> = streams,
): PartitionSnapshot[] {
  const wanted = new Set(streams);
  const byDetector = processor.detectors
    .filter(isStreamPartitioned)
    .map((d) => [d.name, d.exportStreams(wanted)] as const);
  const out: PartitionSnapshot[] = [];
  for (const stream of new Set(minerStreams)) {
    const miner = processor.miner.exportStream(stream);
    if (miner !== undefined)
      out.push({ partition: minerPartition(stream), value: { version: VERSION, miner } });
  }
  for (const stream of wanted) {
    const detectors: JsonObject = {};
    for (const [name, states] of byDetector) {
      const state = states.get(stream);
      if (state !== undefined) detectors[name] = state;
    }
    if (Object.keys(detectors).length === 0) continue;
    out.push({ partition: streamPartition(stream), value: { version: VERSION, detectors } });
  }
  return out;
}

export function exportShared(processor: Processor): PartitionSnapshot {
  const detectors: JsonObject = {};
  const partitioned: JsonObject = {};
  for (const d of processor.detectors) {
    if (isStreamPartitioned(d)) partitioned[d.name] = d.exportShared();
    else detectors[d.name] = d.exportState();
  }
  return {
    partition: SHARED_PARTITION,
    value: { version: VERSION, miner: processor.miner.exportShared(), detectors, partitioned },
  };
}

export interface ImportedPartitions {
  /**
   * A partitioned detector came back from its whole state (a version 1 shared row): its streams have no
   * row of their own yet, so every stream must be written at the next save.
   */
  wholeStates: boolean;
  /** Streams whose templates came from a version 2 stream row: the next save writes their miner row. */
  legacyMiner: string[];
}

/**
 * Puts saved rows back: each stream row replaces its stream in the miner and in the partitioned
 * detectors; the shared row then gives the miner's counters, the other detectors' whole state and the
 * partitioned detectors' remainder (which also puts back the recency of their keys across streams).
 * Without the shared row (one stream handed over alone) the instance keeps its own. Rows of an unknown
 * version or shape are refused with an error naming the partition, rather than half-applied.
 */
export function importPartitions(
  processor: Processor,
  rows: readonly PartitionSnapshot[],
): ImportedPartitions {
  const miners = new Map<string, JsonValue>();
  const embedded = new Map<string, JsonValue>();
  const streamRows: [string, JsonObject][] = [];
  let shared: JsonObject | undefined;
  for (const row of rows) {
    const v = row.value;
    if (!isJsonObject(v) || !READABLE_VERSIONS.includes(v.version ?? null))
      throw new TypeError(`saved state of partition '${row.partition}' has an unknown version`);
    if (row.partition === SHARED_PARTITION) {
      shared = v;
    } else if (row.partition.startsWith(MINER_PREFIX)) {
      if (v.miner !== undefined) miners.set(row.partition.slice(MINER_PREFIX.length), v.miner);
    } else if (row.partition.startsWith(STREAM_PREFIX)) {
      const stream = row.partition.slice(STREAM_PREFIX.length);
      if (v.miner !== undefined) embedded.set(stream, v.miner);
      if (isJsonObject(v.detectors)) streamRows.push([stream, v.detectors]);
    }
  }
  // A miner row is newer than the templates a version 2 stream row held (it replaced them).
  const legacyMiner = [...embedded.keys()].filter((stream) => !miners.has(stream));
  for (const stream of legacyMiner) miners.set(stream, embedded.get(stream)!);
  processor.miner.importStreams(shared ? (shared.miner ?? null) : undefined, [...miners.values()]);
  const remainders = shared && isJsonObject(shared.partitioned) ? shared.partitioned : {};
  for (const d of processor.detectors) {
    if (!isStreamPartitioned(d)) continue;
    // Every save writes a running detector's remainder: without one, the detector was off at the last
    // save, and what stream rows still hold of it is older than that.
    if (shared && remainders[d.name] === undefined) continue;
    for (const [stream, detectors] of streamRows) {
      const state = detectors[d.name];
      if (state !== undefined) d.importStream(stream, state);
    }
  }
  let wholeStates = false;
  if (!shared) return { wholeStates, legacyMiner };
  const whole = isJsonObject(shared.detectors) ? shared.detectors : {};
  for (const d of processor.detectors) {
    const saved = whole[d.name];
    if (saved !== undefined) {
      d.importState(saved);
      if (isStreamPartitioned(d)) wholeStates = true;
    } else if (isStreamPartitioned(d) && remainders[d.name] !== undefined) {
      d.importShared(remainders[d.name]!);
    }
  }
  return { wholeStates, legacyMiner };
}
