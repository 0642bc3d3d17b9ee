import type { Logger } from "pino";
import { ConfigError } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import type { LogStore } from "../core/log-store.js";
import type { IngestPipeline } from "../pipeline/ingest-pipeline.js";
import { databaseUrlFor, isPostgresUrl, type Store, type StoreTransaction } from "../store/db.js";
import { ClusterNode } from "./cluster-node.js";
import { HandoffPublisher } from "./handoff-publisher.js";

/** A cluster node's two halves: the hand-off every door feeds, and the partitions it owns. */
export interface ClusterIngest {
  publisher: HandoffPublisher;
  node: ClusterNode;
  stop(): Promise<void>;
}

/**
 * Starts this process as a cluster node (CLUSTER_PARTITIONS > 0): PostgreSQL holds the leases, state and
 * records every node shares, RabbitMQ the records on their way to their partition's owner. The partitions'
 * anomalies go to `local`'s listeners (sinks, triage, event streams), as the process's own would.
 */
export async function startClusterIngest(
  config: Config,
  store: Store,
  logs: LogStore<StoreTransaction>,
  local: IngestPipeline,
  clock: Clock,
  log: Logger,
): Promise<ClusterIngest> {
  if (!isPostgresUrl(databaseUrlFor(config)))
    throw new ConfigError([
      "CLUSTER_PARTITIONS is set, but the store is SQLite: the nodes of a cluster share one PostgreSQL (set DATABASE_URL=postgres://…)",
    ]);
  const url =
    config.cluster.rabbitmqUrl ?? config.sinkEnv.rabbitmqUrl ?? "amqp://guest:guest@localhost:5672/";
  const node = new ClusterNode(
    {
      config,
      store,
      logs,
      clock,
      log,
      onAnomalies: (a) => local.onAnomalies?.(a),
      suppressions: local.suppressions,
      onBatch: (timing) => {
        for (const listener of local.batchListeners) listener(timing);
      },
    },
    url,
  );
  const publisher = new HandoffPublisher(
    config.cluster,
    url,
    config.ingest.queueRecords,
    log,
    () => !node.storeReachable,
  );
  await publisher.start();
  try {
    await node.start();
  } catch (error) {
    await publisher.close();
    throw error;
  }
  return {
    publisher,
    node,
    async stop() {
      await publisher.close();
      await node.stop();
    },
  };
}
