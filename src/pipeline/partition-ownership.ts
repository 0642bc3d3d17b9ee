import type { Kysely } from "kysely";
import type { ParsedRecord } from "../core/log-record.js";
import type { Database } from "../store/schema.js";

/** State rows of cluster partitions start with this; a node's own pipeline leaves them alone. */
export const CLUSTER_STATE_PREFIX = "cluster/";

/**
 * What a partition's pipeline on a cluster node does besides the usual: it keeps its state under rows of
 * its own, saves it in every batch's transaction (a node that takes the partition over then starts from
 * exactly the committed batches), and proves in each transaction that it still owns the partition.
 * A port: src/distribution implements it (partition-worker.ts) and builds its rows' prefix on
 * `CLUSTER_STATE_PREFIX`; the pipeline, below src/distribution, does not import it.
 */
export interface PartitionOwnership {
  /** Prefix of this partition's state rows (`cluster/p7/`): `stream:<name>` and `shared` follow it. */
  statePrefix: string;
  /** Runs first in every transaction that writes; throws when this node no longer owns the partition. */
  fence(trx: Kysely<Database>): Promise<void>;
  /** Runs in a batch's transaction with the hand-off messages whose records the batch holds. */
  handoffsDone(trx: Kysely<Database>, ids: readonly string[]): Promise<void>;
  /**
   * Runs in a batch's transaction with each slice of its stored records (store ids set), after the
   * partition's detectors saw them: passes on what is judged elsewhere (facts about users and addresses,
   * which cross streams), committed with the records or not at all.
   */
  passOn?(trx: Kysely<Database>, records: readonly ParsedRecord[]): Promise<void>;
}
