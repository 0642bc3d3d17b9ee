import pino from "pino";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { openLogStore } from "../../src/runtime/open-log-store.js";
import type { Store } from "../../src/store/db.js";
import { LOG_STORE_STATE_KEY, recordedLogEngine } from "../../src/store/log-store-engine.js";
import { logsTableStore } from "../../src/store/logs-table-store.js";
import { countLogs } from "../../src/store/repos/logs.js";
import { segmentLogStore } from "../../src/store/segments/segment-log-store.js";
import { lineToAppend } from "../helpers/records.js";
import { DIALECTS, postgresAvailable } from "../helpers/stores.js";

/**
 * Issue 50: with `LOG_STORE` unset, a new database stores its lines in segments, and a database that held
 * the `logs` table before segments became the default keeps serving the table (migration 022 records which,
 * src/store/log-store-engine.ts); `LOG_STORE=table` or `segments` still chooses, and is remembered.
 */
const hasPostgres = await postgresAvailable();
const silent = pino({ level: "silent" });
const STORED_AT = "2026-05-04T14:00:00.000Z";
const unset = configSchema.parse({});
const table = configSchema.parse({ logStore: { engine: "table" } });
const segments = configSchema.parse({ logStore: { engine: "segments" } });
const lines = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) =>
    lineToAppend(
      new Date(Date.parse("2026-05-04T10:00:00Z") + (from + i) * 1_000).toISOString(),
      `line ${from + i}`,
    ),
  );

/** Lines in each place: the `logs` table, appended batches, sealed segments. */
async function where(store: Store) {
  const count = async (t: "log_batches" | "log_segments") =>
    Number(
      (
        await store.db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll<number>().as("n"))
          .executeTakeFirst()
      )?.n ?? 0,
    );
  return {
    table: await countLogs(store.db),
    batches: await count("log_batches"),
    segments: await count("log_segments"),
  };
}

/** The migrations after 021, which `asBeforeMigration022` undoes and migrating then runs again. */
const SINCE_022 = [
  "022-log-store-default",
  "023-partition-state-packed",
  "024-idempotency-keys",
  "025-cluster-entity-outbox",
  "026-cluster-node-settings",
  "027-log-segment-objects",
];

/**
 * The database as a release before migration 022 left it: no record of its log store, and none of the
 * later migrations (023's, 026's and 027's columns and 024's and 025's tables dropped again, so that
 * migrating runs them anew).
 */
async function asBeforeMigration022(store: Store): Promise<void> {
  await store.db.deleteFrom("state").where("key", "=", LOG_STORE_STATE_KEY).execute();
  await store.db.schema.alterTable("partition_state").dropColumn("packed").execute();
  await store.db.schema.dropTable("idempotency_keys").execute();
  await store.db.schema.dropTable("cluster_entity_outbox").execute();
  await store.db.schema.alterTable("cluster_nodes").dropColumn("message_records").execute();
  await store.db.schema.dropIndex("idx_log_segments_object_key").execute();
  await store.db.schema.alterTable("log_segments").dropColumn("object_key").execute();
  await store.db
    .deleteFrom("schema_migrations" as "state")
    .where("name" as "key", "in", SINCE_022)
    .execute();
}

/** Appends `n` lines through a store opened the way `serve` opens it, and stops it. */
async function appendThrough(config: typeof unset, store: Store, n: number, from: number) {
  const opened = await openLogStore(config, store, silent);
  try {
    const refs = await store.transaction((tx) => opened.logs.append(tx, lines(n, from), STORED_AT));
    expect((await opened.logs.get(refs)).map((r) => r.message)).toEqual(lines(n, from).map((l) => l.body));
    return refs;
  } finally {
    await opened.stop();
  }
}

describe.each(DIALECTS)("the default log store ($name)", ({ open, needsPostgres }) => {
  it.skipIf(needsPostgres && !hasPostgres)("a new database stores its lines in segments", async () => {
    const { store, cleanup } = await open();
    try {
      expect(await recordedLogEngine(store.db)).toBe("segments");
      await appendThrough(unset, store, 5, 0);
      expect(await where(store)).toEqual({ table: 0, batches: 1, segments: 0 });
    } finally {
      await cleanup();
    }
  });

  it.skipIf(needsPostgres && !hasPostgres)(
    "a database that held the logs table keeps it (recorded at the upgrade), until LOG_STORE=segments converts it",
    async () => {
      const { store, cleanup } = await open();
      try {
        await asBeforeMigration022(store);
        const old = await store.transaction((tx) => logsTableStore(store).append(tx, lines(3), STORED_AT));
        expect(await store.migrate()).toEqual(SINCE_022);
        expect(await recordedLogEngine(store.db)).toBe("table");

        const added = await appendThrough(unset, store, 2, 3);
        expect(await where(store)).toEqual({ table: 5, batches: 0, segments: 0 });
        expect(added).toEqual([old.at(-1)! + 1, old.at(-1)! + 2]);

        // LOG_STORE=segments converts (ids kept) and is remembered: unset then serves segments, table refuses.
        await appendThrough(segments, store, 1, 5);
        expect(await recordedLogEngine(store.db)).toBe("segments");
        expect((await segmentLogStore(store).get([...old, ...added])).map((r) => r.message)).toEqual(
          lines(5).map((l) => l.body),
        );
        await appendThrough(unset, store, 1, 6);
        expect(await where(store)).toMatchObject({ table: 0, batches: 2 });
        await expect(openLogStore(table, store, silent)).rejects.toMatchObject({ name: "ConfigError" });
      } finally {
        await cleanup();
      }
    },
  );

  it.skipIf(needsPostgres && !hasPostgres)(
    "LOG_STORE=table on a new database is remembered for the starts without LOG_STORE",
    async () => {
      const { store, cleanup } = await open();
      try {
        await appendThrough(table, store, 2, 0);
        expect(await recordedLogEngine(store.db)).toBe("table");
        await appendThrough(unset, store, 2, 2);
        expect(await where(store)).toEqual({ table: 4, batches: 0, segments: 0 });
      } finally {
        await cleanup();
      }
    },
  );

  it.skipIf(needsPostgres && !hasPostgres)(
    "without LOG_STORE, lines in segments are served whatever was recorded (the table cannot take over)",
    async () => {
      const { store, cleanup } = await open();
      try {
        await appendThrough(segments, store, 2, 0);
        await store.db
          .updateTable("state")
          .set({ value: JSON.stringify({ engine: "table" }) })
          .where("key", "=", LOG_STORE_STATE_KEY)
          .execute();
        await appendThrough(unset, store, 2, 2);
        expect(await where(store)).toEqual({ table: 0, batches: 2, segments: 0 });
        expect(await recordedLogEngine(store.db)).toBe("segments");
      } finally {
        await cleanup();
      }
    },
  );

  it.skipIf(needsPostgres && !hasPostgres)(
    "at the upgrade, a database already in segments, or still empty, is recorded as segments",
    async () => {
      const inSegments = await open();
      const empty = await open();
      try {
        await appendThrough(segments, inSegments.store, 2, 0);
        await asBeforeMigration022(inSegments.store);
        await inSegments.store.migrate();
        expect(await recordedLogEngine(inSegments.store.db)).toBe("segments");

        await asBeforeMigration022(empty.store);
        await empty.store.migrate();
        expect(await recordedLogEngine(empty.store.db)).toBe("segments");
      } finally {
        await inSegments.cleanup();
        await empty.cleanup();
      }
    },
  );
});
