import { type Kysely, sql } from "kysely";
import { ConfigError } from "../config/load.js";
import type { Database } from "../store/schema.js";
import { KEYED_HANDOFF_PREFIX } from "./partition-key.js";

/** The database's clock in epoch ms: leases compare against one clock, whatever the nodes' say. */
const NOW_MS = sql<number>`(extract(epoch from clock_timestamp()) * 1000)::bigint`;

export interface Lease {
  partition: number;
  epoch: number;
}

/**
 * The lease of the entity owner (src/distribution/entity-owner.ts), a row of `cluster_partitions` below the
 * partitions' numbers: claimed, renewed, fenced and released like a partition's, but not one of the
 * partitions the nodes share out, and not counted among them.
 */
export const ENTITY_LEASE = -1;

/**
 * Partition leases in PostgreSQL (`cluster_partitions`, migration 018). A node claims free or expired
 * partitions with `FOR UPDATE SKIP LOCKED`, so two nodes never claim one, and every claim raises the
 * partition's epoch. `fence` locks the partition's row in the caller's transaction and checks the epoch:
 * a node that lost the partition while it stalled fails there, and a node taking an expired lease over
 * waits for the old owner's open transaction to end, so the state it loads includes that transaction.
 */
export class PartitionLeases {
  constructor(
    private readonly db: Kysely<Database>,
    readonly node: string,
    readonly partitions: number,
    private readonly leaseMs: number,
    /** This node's CLUSTER_MESSAGE_RECORDS, written with its heartbeat (null: says nothing). */
    private readonly messageRecords: number | null = null,
  ) {}

  /** Creates the partition rows once; refuses a partition count other than the deployment's. */
  async register(): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      // One node at a time checks and creates, so two first nodes with other counts cannot both win.
      await sql`select pg_advisory_xact_lock(hashtext('logwarden.cluster_partitions'))`.execute(trx);
      const row = await trx
        .selectFrom("cluster_partitions")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("partition", ">=", 0)
        .executeTakeFirstOrThrow();
      const existing = Number(row.n);
      if (existing !== 0 && existing !== this.partitions)
        throw new Error(
          `CLUSTER_PARTITIONS=${this.partitions}, but this deployment's database has ${existing} partitions: every node must use the same number`,
        );
      if (existing === 0)
        await trx
          .insertInto("cluster_partitions")
          .values(
            Array.from({ length: this.partitions }, (_, partition) => ({
              partition,
              owner: null,
              epoch: 0,
              lease_until: 0,
            })),
          )
          .execute();
      // The entity owner's lease, also in a deployment made before there was one.
      await sql`insert into cluster_partitions (partition, owner, epoch, lease_until)
        values (${ENTITY_LEASE}, null, 0, 0) on conflict (partition) do nothing`.execute(trx);
    });
  }

  /** Records that this node is alive (`liveShares` counts the nodes seen within a lease). */
  async heartbeat(): Promise<void> {
    await sql`insert into cluster_nodes (node, seen_at, message_records)
      values (${this.node}, ${NOW_MS}, ${this.messageRecords})
      on conflict (node) do update set seen_at = excluded.seen_at, message_records = excluded.message_records`.execute(
      this.db,
    );
  }

  /**
   * Throws when another live node hands records over in chunks of another size: the ids of a keyed
   * request's messages name its chunks, so a resend chunked otherwise would be stored twice.
   */
  async checkSameChunks(): Promise<void> {
    if (this.messageRecords === null) return;
    const { rows } = await sql<{ node: string; message_records: number }>`select node, message_records
      from cluster_nodes where seen_at > ${NOW_MS} - ${this.leaseMs} and node <> ${this.node}
      and message_records is not null and message_records <> ${this.messageRecords}`.execute(this.db);
    if (rows.length > 0)
      throw new ConfigError([
        `CLUSTER_MESSAGE_RECORDS is ${this.messageRecords}, but live node ${rows[0]!.node} uses ${rows[0]!.message_records}: every node must use the same number (a request sent again to another node is recognised by its chunks). Start this node with CLUSTER_MESSAGE_RECORDS=${rows[0]!.message_records}, or change it on every node while they are all stopped.`,
      ]);
  }

  /**
   * The live nodes (seen within a lease, this one included once it heartbeated) and how many partitions
   * each holds on a lease that has not run out.
   */
  async liveShares(): Promise<Map<string, number>> {
    const { rows } = await sql<{ node: string; owned: string }>`select n.node, count(p.partition) as owned
      from cluster_nodes n
      left join cluster_partitions p
        on p.owner = n.node and p.lease_until > ${NOW_MS} and p.partition >= 0
      where n.seen_at > ${NOW_MS} - ${this.leaseMs}
      group by n.node`.execute(this.db);
    return new Map(rows.map((r) => [r.node, Number(r.owned)]));
  }

  /** Extends this node's leases; returns the ones it still holds (a lease another node took is gone). */
  async renew(held: readonly Lease[]): Promise<Lease[]> {
    if (held.length === 0) return [];
    const { rows } = await sql<{ partition: number; epoch: string }>`update cluster_partitions
      set lease_until = ${NOW_MS} + ${this.leaseMs}
      where owner = ${this.node} and partition = any(${held.map((l) => l.partition)}::int[])
      returning partition, epoch`.execute(this.db);
    const epochs = new Map(rows.map((r) => [r.partition, Number(r.epoch)]));
    return held.filter((l) => epochs.get(l.partition) === l.epoch);
  }

  /**
   * Claims up to `count` partitions nobody holds or whose lease ran out, lowest numbers first, leaving out
   * those in `skip` (partitions that failed to start here and wait for their next try).
   */
  async claim(count: number, skip: readonly number[] = []): Promise<Lease[]> {
    if (count <= 0) return [];
    const { rows } = await sql<{ partition: number; epoch: string }>`update cluster_partitions
      set owner = ${this.node}, epoch = epoch + 1, lease_until = ${NOW_MS} + ${this.leaseMs}
      where partition in (
        select partition from cluster_partitions
        where (owner is null or lease_until < ${NOW_MS}) and partition >= 0
          and partition <> all(${[...skip]}::int[])
        order by partition limit ${count} for update skip locked)
      returning partition, epoch`.execute(this.db);
    return rows
      .map((r) => ({ partition: r.partition, epoch: Number(r.epoch) }))
      .sort((a, b) => a.partition - b.partition);
  }

  /** Claims the entity owner's lease when nobody holds it or it ran out; null when another node holds it. */
  async claimEntities(): Promise<Lease | null> {
    const { rows } = await sql<{ epoch: string }>`update cluster_partitions
      set owner = ${this.node}, epoch = epoch + 1, lease_until = ${NOW_MS} + ${this.leaseMs}
      where partition = ${ENTITY_LEASE} and (owner is null or lease_until < ${NOW_MS})
      returning epoch`.execute(this.db);
    return rows[0] ? { partition: ENTITY_LEASE, epoch: Number(rows[0].epoch) } : null;
  }

  /** Gives a partition up (its work drained and saved): the next claim takes it at once. */
  async release(lease: Lease): Promise<void> {
    await sql`update cluster_partitions set owner = null, lease_until = 0
      where partition = ${lease.partition} and owner = ${this.node} and epoch = ${lease.epoch}`.execute(
      this.db,
    );
  }

  /**
   * In a transaction that writes for the partition: locks its row and throws `LeaseLostError` unless this
   * node still holds it at the epoch it claimed. An expired lease nobody took yet still counts: the row
   * lock makes a claimer wait for this transaction, and it then loads the state this one commits.
   */
  async fence(trx: Kysely<Database>, lease: Lease): Promise<void> {
    const { rows } = await sql<{ epoch: string }>`select epoch from cluster_partitions
      where partition = ${lease.partition} and owner = ${this.node} for update`.execute(trx);
    if (rows.length === 0 || Number(rows[0]!.epoch) !== lease.epoch)
      throw new LeaseLostError(lease.partition);
  }

  /** Marks hand-off messages done, in the transaction that commits their records. */
  async handoffsDone(trx: Kysely<Database>, partition: number, ids: readonly string[]): Promise<void> {
    await sql`insert into cluster_handoffs (message_id, partition, done_at)
      select id, ${partition}, ${NOW_MS} from unnest(${ids}::text[]) as id
      on conflict (message_id) do nothing`.execute(trx);
  }

  /** Which of these hand-off messages are already committed (a redelivery after a crash). */
  async doneHandoffs(ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const { rows } = await sql<{ message_id: string }>`select message_id from cluster_handoffs
      where message_id = any(${ids}::text[])`.execute(this.db);
    return new Set(rows.map((r) => r.message_id));
  }

  /**
   * Forgets hand-off marks older than `ageMs` (the broker redelivers within minutes, not hours), and those
   * of keyed hand-offs older than `keyedAgeMs`: a client may send a keyed request again for as long as its
   * `Idempotency-Key` is remembered (INGEST_IDEMPOTENCY_HOURS).
   */
  async forgetHandoffs(ageMs: number, keyedAgeMs = ageMs): Promise<void> {
    const keyedPattern = `${KEYED_HANDOFF_PREFIX}%`;
    await sql`delete from cluster_handoffs where done_at < ${NOW_MS} - ${ageMs}
      and message_id not like ${keyedPattern}`.execute(this.db);
    await sql`delete from cluster_handoffs
      where done_at < ${NOW_MS} - ${Math.max(ageMs, keyedAgeMs)}`.execute(this.db);
  }

  /**
   * At start, frees the leases a previous run under this node's name left (killed, then restarted with
   * the same CLUSTER_NODE_ID, as a StatefulSet's pod is): nobody would renew them, and without this they
   * would sit unowned until they expired.
   */
  async releaseLeftovers(): Promise<number> {
    const { numAffectedRows } = await sql`update cluster_partitions set owner = null, lease_until = 0
      where owner = ${this.node}`.execute(this.db);
    return Number(numAffectedRows ?? 0);
  }

  /** Marks this node gone, so the others count one node fewer at once (a clean stop). */
  async leave(): Promise<void> {
    await sql`delete from cluster_nodes where node = ${this.node}`.execute(this.db);
  }
}

export class LeaseLostError extends Error {
  constructor(readonly partition: number) {
    super(`partition ${partition} is no longer owned by this node`);
  }
}
