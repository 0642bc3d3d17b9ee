import { deletePartitionQueues, TEST_RABBITMQ_URL } from "./rabbitmq.js";
import { dropTestSchemas } from "./stores.js";

/** What one cluster test node is: its database (a test schema), token, partitions, name and queue prefix. */
export interface ClusterNodeSpec {
  databaseUrl: string;
  token: string;
  partitions: number;
  nodeId: string;
  prefix: string;
  /** A data directory of its own (nodes on one machine must not share one). */
  dataDir?: string;
}

/**
 * The settings of a `logwarden serve` cluster node in the tests: the test RabbitMQ, 3-second leases (so a
 * take-over fits a test's deadline), the `logs` table (the checks read it in PostgreSQL directly), JSON
 * logs (the tests read them) and no triage.
 */
export function clusterNodeEnv(spec: ClusterNodeSpec): Record<string, string> {
  return {
    DATABASE_URL: spec.databaseUrl,
    ...(spec.dataDir ? { DATA_DIR: spec.dataDir } : {}),
    API_TOKEN: spec.token,
    CLUSTER_PARTITIONS: String(spec.partitions),
    CLUSTER_LEASE_SECS: "3",
    CLUSTER_NODE_ID: spec.nodeId,
    CLUSTER_RABBITMQ_URL: TEST_RABBITMQ_URL,
    CLUSTER_QUEUE_PREFIX: spec.prefix,
    LOG_STORE: "table",
    LOG_FORMAT: "json",
    TRIAGE_ENABLED: "false",
  };
}

/**
 * One cluster test's own schema and queue prefix (named after `tag` and this process), and their removal
 * once the test has used them (`used`, set when it created them).
 */
export class ClusterTestRun {
  readonly run = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  readonly prefix: string;
  readonly schema: string;
  used = false;

  constructor(
    tag: string,
    readonly partitions: number,
  ) {
    this.prefix = `lw_${tag}_${this.run}.`;
    this.schema = `cluster_${tag}_${this.run}`;
  }

  async cleanup(): Promise<void> {
    if (!this.used) return;
    await dropTestSchemas(this.schema).catch(() => {});
    await deletePartitionQueues(this.prefix, this.partitions).catch(() => {});
  }
}

/** POSTs `lines` as a JSON array to a node's `/ingest` with `token`; the answer's status. */
export async function postIngest(url: string, token: string, lines: readonly object[]): Promise<number> {
  const res = await fetch(`${url}/ingest`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(lines),
  });
  await res.arrayBuffer();
  return res.status;
}
