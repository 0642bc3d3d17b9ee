import { hostname } from "node:os";
import type { ChannelModel } from "amqplib";
import type { Logger } from "pino";
import { BrokerConnection, declarePartitionQueues } from "./broker.js";
import { DEAD_LETTER_REASONS, type DeadLetterReason } from "./dead-letters.js";
import { EntityOwner } from "./entity-owner.js";
import { type Lease, PartitionLeases } from "./leases.js";
import { PartitionWorker, type PartitionWorkerDeps } from "./partition-worker.js";

/** Hand-off marks are kept this long: far longer than any redelivery takes. */
const HANDOFF_MARK_MS = 6 * 3_600_000;

/** A partition this node could not start (its saved state would not load): left alone until `retryAt`. */
export interface FailedPartition {
  partition: number;
  error: string;
  /** When it first failed here, and when this node tries it again (ISO-8601). */
  since: string;
  retry_at: string;
}

export interface ClusterStatus {
  node: string;
  partitions: number;
  nodes: number;
  owned: number[];
  failed: FailedPartition[];
  /** This node holds the entity owner's lease (it judges users and addresses across streams). */
  entities: boolean;
}

/** First pause before a partition that failed to start is claimed again here; doubled each failure. */
const FAILED_RETRY_FIRST_MS = 30_000;
const FAILED_RETRY_MAX_MS = 15 * 60_000;

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
  /** The entity owner's part of this node (it runs only while this node holds the entity lease). */
  readonly entities: EntityOwner;
  #timer: NodeJS.Timeout | null = null;
  #tickTimer: NodeJS.Timeout | null = null;
  #round: Promise<void> = Promise.resolve();
  #stopping = false;
  #nodes = 1;
  #storeReachable = true;
  #lastForget = 0;
  /** Partitions whose start failed here, by partition: the error, since when, and the next try. */
  readonly #failed = new Map<number, { error: string; since: number; retryAt: number; pauseMs: number }>();

  private readonly deps: PartitionWorkerDeps;

  constructor(deps: Omit<PartitionWorkerDeps, "leases" | "onDeadLetter">, url: string) {
    const { config } = deps;
    const node = config.cluster.nodeId ?? `${hostname()}-${process.pid}`;
    this.leases = new PartitionLeases(
      deps.store.db,
      node,
      config.cluster.partitions,
      config.cluster.leaseSecs * 1000,
      config.cluster.messageRecords,
    );
    this.deps = {
      ...deps,
      leases: this.leases,
      onDeadLetter: (reason) => this.deadLetters.set(reason, (this.deadLetters.get(reason) ?? 0) + 1),
    };
    this.entities = new EntityOwner({ ...deps, leases: this.leases });
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
      failed: [...this.#failed.entries()]
        .sort(([a], [b]) => a - b)
        .map(([partition, f]) => ({
          partition,
          error: f.error,
          since: new Date(f.since).toISOString(),
          retry_at: new Date(f.retryAt).toISOString(),
        })),
      entities: this.entities.held,
    };
  }

  /** Joins: creates the partitions (first node), connects, and takes a first share. */
  async start(): Promise<void> {
    await this.leases.register();
    await this.leases.checkSameChunks();
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
    await this.leases.heartbeat();
    const held = [...this.#workers.values()].map((w) => w.lease);
    const kept = new Set((await this.leases.renew(held)).map((l) => l.partition));
    for (const w of [...this.#workers.values()])
      if (!kept.has(w.partition)) {
        this.log.warn({ partition: w.partition }, "lease lost to another node; dropping the partition");
        this.#drop(w);
      }
    await this.entities.round();
    const live = await this.leases.liveShares();
    this.#nodes = Math.max(1, live.size);
    const move = balanceMove(this.leases.node, this.#workers.size, live, this.leases.partitions);
    if (move > 0) {
      const now = Date.now();
      const waiting = [...this.#failed.entries()].filter(([, f]) => f.retryAt > now).map(([p]) => p);
      for (const lease of await this.leases.claim(move, waiting))
        await this.#take(lease).catch((error: unknown) => this.#failedToStart(lease, error));
    } else if (move < 0) {
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
      this.#failed.delete(lease.partition);
      this.log.info({ partition: lease.partition, epoch: lease.epoch }, "partition taken");
    } catch (error) {
      this.#workers.delete(lease.partition);
      worker.abandon();
      await this.leases.release(lease).catch(() => {});
      throw error;
    }
  }

  /**
   * A partition that would not start (a state row of an unknown version, say) stops that partition only:
   * its messages wait in its queue, the node's other partitions and its ingest go on, and the failure is
   * shown (`/health`'s cluster.failed, `/metrics`, a log line naming the partition). It is tried again
   * here after a pause that doubles while it fails; another node may try it meanwhile. A store that is
   * down fails the next round's heartbeat, which is what marks the node's store unreachable.
   */
  #failedToStart(lease: Lease, error: unknown): void {
    const now = Date.now();
    const before = this.#failed.get(lease.partition);
    const pauseMs = before ? Math.min(before.pauseMs * 2, FAILED_RETRY_MAX_MS) : FAILED_RETRY_FIRST_MS;
    const message = error instanceof Error ? error.message : String(error);
    this.#failed.set(lease.partition, {
      error: message,
      since: before?.since ?? now,
      retryAt: now + pauseMs,
      pauseMs,
    });
    this.log.error(
      { partition: lease.partition, err: message, retry_ms: pauseMs },
      "partition failed to start; its messages wait in its queue, the node's other partitions go on",
    );
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
    await this.entities.stop().catch(() => {});
    for (const w of [...this.#workers.values()]) await this.#handBack(w).catch(() => {});
    await this.leases.leave().catch(() => {});
    await this.#broker.close();
  }
}

/**
 * How many partitions this node should claim (> 0) or whether it should hand one back (< 0), from what
 * every live node holds (`live`, this node's count replaced by `mine`). Every node ends with the floor or
 * the ceiling of partitions ÷ nodes: a node below the floor claims up to it; a node claims up to the
 * ceiling only while nobody else is below the floor (else it would take what the starving node waits
 * for); a node above the ceiling hands one back; and while someone is below the floor, the node holding
 * the most (the first by name among equals) hands one back, so 2 + 2 + 2 + 0 becomes 2 + 2 + 1 + 1.
 */
export function balanceMove(
  node: string,
  mine: number,
  live: ReadonlyMap<string, number>,
  partitions: number,
): number {
  const counts = new Map(live);
  counts.set(node, mine);
  const nodes = Math.max(1, counts.size);
  const floor = Math.floor(partitions / nodes);
  const ceil = Math.ceil(partitions / nodes);
  const othersStarving = [...counts].some(([n, c]) => n !== node && c < floor);
  if (mine < floor) return floor - mine;
  if (mine < ceil && !othersStarving) return ceil - mine;
  if (mine > ceil) return -1;
  if (mine > floor && othersStarving) {
    const most = Math.max(...counts.values());
    const first = [...counts]
      .filter(([, c]) => c === most)
      .map(([n]) => n)
      .sort()[0];
    if (mine === most && first === node) return -1;
  }
  return 0;
}
