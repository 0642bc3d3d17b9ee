import { hostname } from "node:os";
import type { ChannelModel } from "amqplib";
import type { Logger } from "pino";
import { BrokerConnection, declarePartitionQueues } from "./broker.js";
import { type Lease, PartitionLeases } from "./leases.js";
import {
  DEAD_LETTER_REASONS,
  type DeadLetterReason,
  PartitionWorker,
  type PartitionWorkerDeps,
} from "./partition-worker.js";

/** Hand-off marks are kept this long: far longer than any redelivery takes. */
const HANDOFF_MARK_MS = 6 * 3_600_000;

export interface ClusterStatus {
  node: string;
  partitions: number;
  nodes: number;
  owned: number[];
}

/**
 * A cluster node's share of the partitions (issue 16). Every `leaseSecs / 4` it heartbeats, renews its
 * leases, and evens the partitions out: it claims free or expired ones while it holds fewer than its share
 * (partitions ÷ live nodes, rounded up) and hands one back, drained and saved, while it holds more. A node
 * killed outright stops renewing; its partitions are claimed once their leases run out, and the queues
 * still hold every message their owner had not acknowledged.
 */
export class ClusterNode {
  readonly leases: PartitionLeases;
  /** Messages this node's partitions moved to the dead-letter queue, by reason (for /metrics). */
  readonly deadLetters = new Map<DeadLetterReason, number>(DEAD_LETTER_REASONS.map((r) => [r, 0]));
  readonly #workers = new Map<number, PartitionWorker>();
  readonly #broker: BrokerConnection;
  #timer: NodeJS.Timeout | null = null;
  #tickTimer: NodeJS.Timeout | null = null;
  #round: Promise<void> = Promise.resolve();
  #stopping = false;
  #nodes = 1;
  #storeReachable = true;
  #lastForget = 0;

  private readonly deps: PartitionWorkerDeps;

  constructor(deps: Omit<PartitionWorkerDeps, "leases" | "onDeadLetter">, url: string) {
    const { config } = deps;
    const node = config.cluster.nodeId ?? `${hostname()}-${process.pid}`;
    this.leases = new PartitionLeases(
      deps.store.db,
      node,
      config.cluster.partitions,
      config.cluster.leaseSecs * 1000,
    );
    this.deps = {
      ...deps,
      leases: this.leases,
      onDeadLetter: (reason) => this.deadLetters.set(reason, (this.deadLetters.get(reason) ?? 0) + 1),
    };
    this.#broker = new BrokerConnection(
      url,
      `logwarden partition consumer ${node}`,
      deps.log,
      (conn) => this.#attachAll(conn),
      () => {
        for (const w of this.#workers.values()) w.detach();
      },
    );
  }

  /** The last round reached PostgreSQL (leases, state and records all live there). */
  get storeReachable(): boolean {
    return this.#storeReachable;
  }

  get log(): Logger {
    return this.deps.log;
  }

  status(): ClusterStatus {
    return {
      node: this.leases.node,
      partitions: this.leases.partitions,
      nodes: this.#nodes,
      owned: [...this.#workers.keys()].sort((a, b) => a - b),
    };
  }

  /** Joins: creates the partitions (first node), connects, and takes a first share. */
  async start(): Promise<void> {
    await this.leases.register();
    const leftovers = await this.leases.releaseLeftovers();
    if (leftovers > 0)
      this.log.info({ partitions: leftovers }, "freed the leases an earlier run of this node left");
    await this.#broker.start();
    await this.#rebalance();
    const every = Math.max(250, (this.deps.config.cluster.leaseSecs * 1000) / 4);
    this.#timer = setInterval(() => {
      this.#round = this.#round
        .then(() => this.#rebalance())
        .then(
          () => {
            if (!this.#storeReachable) this.log.info("cluster round reached PostgreSQL again");
            this.#storeReachable = true;
          },
          (error: unknown) => {
            this.#storeReachable = false;
            this.log.warn({ err: (error as Error).message }, "cluster round failed; trying again");
          },
        );
    }, every);
    this.#timer.unref();
    const tickSecs = this.deps.config.detectors.tickSecs;
    if (tickSecs > 0) {
      this.#tickTimer = setInterval(() => {
        for (const w of this.#workers.values())
          w.tick().catch((error: unknown) =>
            w.log.warn({ err: (error as Error).message }, "partition tick failed"),
          );
      }, tickSecs * 1000);
      this.#tickTimer.unref();
    }
    this.log.info({ node: this.leases.node, owned: this.status().owned }, "cluster node started");
  }

  async #attachAll(conn: ChannelModel): Promise<void> {
    await declarePartitionQueues(conn, this.deps.config.cluster);
    for (const w of this.#workers.values()) await w.attach(conn);
  }

  async #rebalance(): Promise<void> {
    if (this.#stopping) return;
    this.#nodes = await this.leases.heartbeat();
    const held = [...this.#workers.values()].map((w) => w.lease);
    const kept = new Set((await this.leases.renew(held)).map((l) => l.partition));
    for (const w of [...this.#workers.values()])
      if (!kept.has(w.partition)) {
        this.log.warn({ partition: w.partition }, "lease lost to another node; dropping the partition");
        this.#drop(w);
      }
    const share = Math.ceil(this.leases.partitions / this.#nodes);
    if (this.#workers.size < share) {
      for (const lease of await this.leases.claim(share - this.#workers.size)) await this.#take(lease);
    } else if (this.#workers.size > share) {
      // One at a time: the others see the freed partition at their next round and claim it.
      const last = Math.max(...this.#workers.keys());
      await this.#handBack(this.#workers.get(last)!);
    }
    if (Date.now() - this.#lastForget > 60_000) {
      this.#lastForget = Date.now();
      await this.leases.forgetHandoffs(HANDOFF_MARK_MS, this.deps.config.ingest.idempotencyHours * 3_600_000);
    }
  }

  async #take(lease: Lease): Promise<void> {
    const worker = new PartitionWorker(lease, this.deps, (w) => this.#drop(w));
    try {
      await worker.start();
      this.#workers.set(lease.partition, worker);
      const conn = this.#broker.connection;
      if (conn) await worker.attach(conn);
      this.log.info({ partition: lease.partition, epoch: lease.epoch }, "partition taken");
    } catch (error) {
      this.#workers.delete(lease.partition);
      worker.abandon();
      await this.leases.release(lease).catch(() => {});
      throw error;
    }
  }

  #drop(worker: PartitionWorker): void {
    if (this.#workers.get(worker.partition) === worker) this.#workers.delete(worker.partition);
    worker.abandon();
  }

  async #handBack(worker: PartitionWorker): Promise<void> {
    this.#workers.delete(worker.partition);
    await worker.stop();
    await this.leases.release(worker.lease);
    this.log.info({ partition: worker.partition }, "partition handed back");
  }

  /** Leaves: every partition drained, saved and released, so the others take them over at once. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    if (this.#tickTimer) clearInterval(this.#tickTimer);
    await this.#round.catch(() => {});
    for (const w of [...this.#workers.values()]) await this.#handBack(w).catch(() => {});
    await this.leases.leave().catch(() => {});
    await this.#broker.close();
  }
}
