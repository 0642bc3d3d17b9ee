import { type Kysely, sql } from "kysely";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Anomaly } from "../core/anomaly.js";
import type { Clock } from "../core/clock.js";
import type { ParsedRecord } from "../core/log-record.js";
import { isoUtc } from "../core/time.js";
import { createProcessor } from "../pipeline/create-processor.js";
import { CLUSTER_STATE_PREFIX } from "../pipeline/partition-ownership.js";
import { exportShared, importPartitions } from "../pipeline/partition-state.js";
import type { Processor } from "../pipeline/processor.js";
import { SuppressionList } from "../pipeline/suppressions.js";
import type { Store } from "../store/db.js";
import { type StoredAnomaly, storeAnomalies } from "../store/repos/anomalies.js";
import { loadPartitionStatesUnder, savePartitionStates } from "../store/repos/partition-state.js";
import { addSuppressedCounts } from "../store/repos/suppression-list.js";
import { activeSuppressions, asSuppression } from "../store/repos/verdicts.js";
import type { Database } from "../store/schema.js";
import { type Lease, LeaseLostError, type PartitionLeases } from "./leases.js";

/** What a round did: the facts it took and what the detectors found; null: nothing to store. */
type RoundWork = { taken: number; found: Anomaly[] } | null;

/** The entity owner's state rows (`cluster/entities/shared`), beside the partitions' `cluster/p7/…`. */
export const ENTITY_STATE_PREFIX = `${CLUSTER_STATE_PREFIX}entities/`;
/** Facts judged per transaction: a backlog is worked off in transactions of this many. */
const FACTS_PER_ROUND = 2_000;
/** How often the owner looks for facts the partitions passed on (a finding waits at most about this). */
const DRAIN_EVERY_MS = 500;

export interface EntityOwnerDeps {
  config: Config;
  store: Store;
  clock: Clock;
  log: Logger;
  leases: PartitionLeases;
  onAnomalies: (anomalies: StoredAnomaly[]) => void;
  /** The node's suppressions: a verdict given on this node applies to the owner's findings at once. */
  suppressions: SuppressionList;
}

/**
 * The one place of a cluster that judges across streams (issue 45 item 3): users and addresses (brute
 * force and spraying by address, success after failures, new source IP, unusual login hours, privilege
 * escalation) and, with SEQUENCE_ENABLED, sessions. One sshd stream and one dovecot stream hash to
 * different partitions, often on different nodes, as do the NameNode's and a DataNode's lines of one HDFS
 * block; each partition passes its facts on (src/distribution/entity-facts.ts) and whichever node holds
 * the entity lease runs those detectors over all of them, as a single node runs them over its one stream
 * of batches. A round takes facts out of the outbox (or ticks the detectors), stores the findings and
 * saves the detectors' state in one transaction fenced by the lease: a fact is judged once, and a node
 * that takes the lease over (its holder killed) starts from exactly the last committed round.
 */
export class EntityOwner {
  #lease: Lease | null = null;
  #processor: Processor | null = null;
  readonly #suppressions = new SuppressionList();
  #timer: NodeJS.Timeout | null = null;
  #draining: Promise<void> | null = null;
  #stopping = false;
  /** Facts judged since this node took the lease (for the log at hand-over). */
  #facts = 0;
  /** Facts this node judged as the entity owner since it started (for /metrics). */
  judgedFacts = 0;
  /** Rounds failed in a row. */
  #failures = 0;
  /** Wall time of the detectors' last tick here (`#drain`). */
  #lastTick = 0;

  constructor(private readonly deps: EntityOwnerDeps) {}

  /** Whether this node holds the entity lease now. */
  get held(): boolean {
    return this.#lease !== null;
  }

  /**
   * Facts passed on and not judged yet, as the holder of the lease sees them (null on the other nodes):
   * a growing number means the entity owner is behind, and findings about users and addresses wait.
   */
  async waitingFacts(): Promise<number | null> {
    if (!this.#lease) return null;
    const { rows } = await sql<{ n: string }>`select count(*) as n from cluster_entity_outbox`.execute(
      this.deps.store.db,
    );
    return Number(rows[0]?.n ?? 0);
  }

  /** Each cluster round: renews the lease this node holds, or claims it when nobody does. */
  async round(): Promise<void> {
    if (this.#stopping) return;
    const { leases, log } = this.deps;
    if (this.#lease) {
      if ((await leases.renew([this.#lease])).length === 0) {
        log.warn("entity owner's lease lost to another node; no longer judging users and addresses");
        this.#drop();
      }
      return;
    }
    const lease = await leases.claimEntities();
    if (!lease) return;
    try {
      await this.#start(lease);
    } catch (error) {
      await leases.release(lease).catch(() => {});
      log.error(
        { err: (error as Error).message },
        "entity owner failed to start; the lease is given back for another node",
      );
    }
  }

  async #start(lease: Lease): Promise<void> {
    const { config, clock, store, log } = this.deps;
    const processor = createProcessor(config, clock, "entities");
    importPartitions(processor, await loadPartitionStatesUnder(store.db, ENTITY_STATE_PREFIX));
    const active = await activeSuppressions(store.db, isoUtc(clock.now()));
    this.#suppressions.replace(active.map(asSuppression));
    this.deps.suppressions.followers.add(this.#suppressions);
    this.#processor = processor;
    this.#lease = lease;
    this.#facts = 0;
    this.#timer = setInterval(() => this.#kick(), DRAIN_EVERY_MS);
    this.#timer.unref();
    log.info(
      { epoch: lease.epoch },
      "entity owner: judging users, addresses and sessions across every stream here",
    );
  }

  #kick(): void {
    if (this.#draining || !this.#lease) return;
    this.#draining = this.#drain()
      .then(() => {
        this.#failures = 0;
      })
      .catch((error: unknown) => {
        if (error instanceof LeaseLostError) {
          this.deps.log.warn("entity owner's lease lost to another node while judging; dropped");
          this.#drop();
          return;
        }
        // Every half second while PostgreSQL is away: said at the first failure and every 60th.
        if (this.#failures++ % 60 === 0)
          this.deps.log.warn(
            { err: (error as Error).message, failures: this.#failures },
            "entity owner round failed; its facts wait in the outbox, trying again",
          );
      })
      .finally(() => {
        this.#draining = null;
      });
  }

  /**
   * Judges what the outbox holds, a round at a time, until a round finds fewer than a full one; then the
   * detectors' tick when it is due, as a single node's pipeline ticks them (DETECTOR_TICK_SECS): sessions
   * and windows that went quiet are closed and judged there, not only when the next fact comes.
   */
  async #drain(): Promise<void> {
    for (;;) {
      if (this.#stopping) return;
      if ((await this.#round((trx, processor) => this.#judgeFacts(trx, processor))) < FACTS_PER_ROUND) break;
    }
    const tickMs = this.deps.config.detectors.tickSecs * 1000;
    const now = this.deps.clock.now();
    if (tickMs === 0 || now - this.#lastTick < tickMs) return;
    this.#lastTick = now;
    await this.#round(async (_trx, processor) => ({ taken: 0, found: processor.tick(now) }));
  }

  /** Takes up to FACTS_PER_ROUND facts out of the outbox and judges them. */
  async #judgeFacts(trx: Kysely<Database>, processor: Processor): Promise<RoundWork> {
    // Deleted as they are read: the round's commit is what marks them judged, and a round that fails
    // puts them back. Ids follow the partitions' commits: each stream's facts in its order.
    const { rows } = await sql<{ id: string; record: string }>`delete from cluster_entity_outbox
      where id in (select id from cluster_entity_outbox order by id limit ${FACTS_PER_ROUND})
      returning id, record`.execute(trx);
    if (rows.length === 0) return null;
    rows.sort((a, b) => Number(a.id) - Number(b.id));
    const records = byRecordTime(rows.map((r) => JSON.parse(r.record) as ParsedRecord));
    return { taken: rows.length, found: processor.detect(records) };
  }

  /**
   * One transaction fenced by the lease: `work` (facts judged, or a tick), then its findings (past the
   * suppressions), suppression counts and the detectors' state stored together. Null work stores nothing.
   * Returns the facts taken.
   */
  async #round(work: (trx: Kysely<Database>, processor: Processor) => Promise<RoundWork>): Promise<number> {
    const lease = this.#lease;
    const processor = this.#processor;
    if (!lease || !processor) return 0;
    const { store, clock, leases } = this.deps;
    processor.begin();
    let taken = 0;
    const found = new Map<number, StoredAnomaly>();
    try {
      await store.transaction(async (tx) => {
        const trx = tx.db;
        await leases.fence(trx, lease);
        const done = await work(trx, processor);
        if (!done) return;
        taken = done.taken;
        const now = clock.now();
        const nowIso = isoUtc(now);
        const detected = this.#suppressions.filter(done.found, now);
        const lockKeys = (keys: readonly string[]) => store.dialect.lockKeys(trx, keys);
        for (const x of await storeAnomalies(trx, detected, nowIso, lockKeys))
          found.set(x.anomaly.id, x.anomaly);
        await addSuppressedCounts(trx, this.#suppressions.takeDrops(), nowIso);
        const shared = exportShared(processor);
        await savePartitionStates(
          trx,
          [{ partition: `${ENTITY_STATE_PREFIX}${shared.partition}`, value: shared.value, batchId: 0 }],
          nowIso,
        );
      });
    } catch (error) {
      processor.rollback();
      this.#suppressions.takeDrops();
      throw error;
    }
    processor.commit();
    this.#facts += taken;
    this.judgedFacts += taken;
    if (found.size > 0) this.deps.onAnomalies([...found.values()]);
    return taken;
  }

  #drop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#lease = null;
    this.#processor = null;
    this.deps.suppressions.followers.delete(this.#suppressions);
  }

  /** Leaves: the round in progress commits (or not), and the lease is given back for another node at once. */
  async stop(): Promise<void> {
    this.#stopping = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#draining;
    const lease = this.#lease;
    this.#drop();
    if (lease) {
      await this.deps.leases.release(lease).catch(() => {});
      this.deps.log.info({ facts: this.#facts }, "entity owner handed back");
    }
  }
}

/**
 * A round's facts in the order a single node would have judged them, near enough: each stream's in its
 * own order (as its partition committed them, which is how one node takes a stream too), the streams
 * interleaved by record time. Partitions commit on their own schedules, so the outbox's order mixes
 * streams by commit time, not by when things happened: an sshd burst committed just after a dovecot one
 * it interleaves with would otherwise be judged after all of it.
 */
export function byRecordTime(records: readonly ParsedRecord[]): ParsedRecord[] {
  const streams = new Map<string, ParsedRecord[]>();
  for (const r of records) {
    const list = streams.get(r.stream);
    if (list) list.push(r);
    else streams.set(r.stream, [r]);
  }
  if (streams.size <= 1) return [...records];
  const queues = [...streams.values()];
  const times = queues.map((q) => q.map((r) => Date.parse(r.timestamp) || 0));
  const heads = queues.map(() => 0);
  const out: ParsedRecord[] = [];
  for (;;) {
    let best = -1;
    for (let q = 0; q < queues.length; q++) {
      const at = times[q]![heads[q]!];
      // Ties keep the stream seen first.
      if (at !== undefined && (best < 0 || at < times[best]![heads[best]!]!)) best = q;
    }
    if (best < 0) return out;
    out.push(queues[best]![heads[best]!]!);
    heads[best]!++;
  }
}
