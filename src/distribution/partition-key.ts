import { createHash } from "node:crypto";
import { type LogRecord, serviceOf } from "../core/log-record.js";
import { CLUSTER_STATE_PREFIX } from "../pipeline/partition-ownership.js";

/**
 * The partition a record belongs to: its stream (the service name, as the miner keys its template trees)
 * hashed onto `partitions`. Keyed by stream, not by stream and host, because a stream's templates must be
 * mined in one place for the same line to get the same template id on every node; one stream's load then
 * stays on one node, and the streams are what spreads.
 */
export function partitionOf(record: Pick<LogRecord, "resource">, partitions: number): number {
  return fnv1a(serviceOf(record)) % partitions;
}

/** FNV-1a, 32 bits: stable across processes and versions (a change would move every stream). */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A partition's queue on the broker. */
export function partitionQueue(prefix: string, partition: number): string {
  return `${prefix}partition.${partition}`;
}

/** The queue a partition's owner moves a message it cannot take to (undecodable, delivered too often). */
export function deadLetterQueue(prefix: string): string {
  return `${prefix}dead-letter`;
}

/**
 * A partition's state rows in `partition_state` (PartitionOwnership.statePrefix), under the prefix a
 * node's own pipeline leaves alone.
 */
export function partitionStatePrefix(partition: number): string {
  return `${CLUSTER_STATE_PREFIX}p${partition}/`;
}

/** What a hand-off message id derived from a key starts with (a random one is a UUID). */
export const KEYED_HANDOFF_PREFIX = "k:";

/**
 * The id of the `chunk`th hand-off message for `partition` of a keyed submission (an `Idempotency-Key`, or
 * a source's read): the same at every attempt on every node, so a partition's owner takes a resent message
 * for the one it committed (`cluster_handoffs`). Chunks follow CLUSTER_MESSAGE_RECORDS, which every node
 * must therefore share.
 */
export function keyedHandoffId(key: string, partition: number, chunk: number): string {
  const digest = createHash("sha256").update(`${key}\n${partition}\n${chunk}`).digest("base64url");
  return `${KEYED_HANDOFF_PREFIX}${digest}`;
}

/** Whether a hand-off's id was derived from a key (`keyedHandoffId`): it may be a resend's. */
export function isKeyedHandoff(id: string): boolean {
  return id.startsWith(KEYED_HANDOFF_PREFIX);
}
