import { sql } from "kysely";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { FakeClock } from "../../src/core/clock.js";
import { isStreamPartitioned } from "../../src/core/detector.js";
import { isJsonObject, type JsonValue } from "../../src/core/json.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import {
  exportShared,
  exportStreams,
  importPartitions,
  minerPartition,
  streamPartition,
} from "../../src/pipeline/partition-state.js";
import type { Store } from "../../src/store/db.js";
import { lastBatchId } from "../../src/store/repos/ingest-batches.js";
import {
  loadPartitionStates,
  loadPartitionStatesUnder,
  savePartitionStates,
} from "../../src/store/repos/partition-state.js";
import { loadState, saveState } from "../../src/store/repos/state.js";
import { manualSavePipeline } from "../helpers/manual-save-pipeline.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";
import { timedLines } from "../helpers/timed-lines.js";

const config = loadConfig({ env: { DATA_DIR: "/nonexistent" } });

let opened: TestStore | undefined;
afterEach(async () => {
  await opened?.cleanup();
  opened = undefined;
});

const pipelineOn = (store: Store, clock: FakeClock) => manualSavePipeline(store, config, clock);

const lines = timedLines;

describe.each(DIALECTS)("partition-scoped pipeline state on $name", ({ open, needsPostgres }) => {
  it("writes only the partitions batches changed, tags each with its batch, and restores them", async (ctx) => {
    if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
    opened = await open();
    const { store } = opened;
    const clock = new FakeClock("2026-03-01T00:00:00Z");
    const first = pipelineOn(store, clock);
    await first.start();
    await first.submit([...lines("api", 0, 40, "request"), ...lines("db", 0, 40, "query")]);
    clock.advance(1_000);
    await first.saveState();
    const afterFirst = await loadPartitionStates(store.db);
    expect(afterFirst.map((r) => r.partition)).toEqual([
      "miner:api",
      "miner:db",
      "shared",
      "stream:api",
      "stream:db",
    ]);
    const firstBatch = await lastBatchId(store.db);
    expect(firstBatch).toBeGreaterThan(0);
    expect(afterFirst.every((r) => r.batchId === firstBatch)).toBe(true);

    // Only api gets new lines: only api's rows (and the shared one) are written again.
    await first.submit(lines("api", 40, 30, "cache miss for key"));
    clock.advance(1_000);
    const updatedBefore = await sql<{ partition: string; updated_at: string }>`
      select partition, updated_at from partition_state order by partition`.execute(store.db);
    await first.saveState();
    const updatedAfter = await sql<{ partition: string; updated_at: string }>`
      select partition, updated_at from partition_state order by partition`.execute(store.db);
    const changed = updatedAfter.rows
      .filter((r, i) => r.updated_at !== updatedBefore.rows[i]!.updated_at)
      .map((r) => r.partition);
    expect(changed).toEqual(["miner:api", "shared", "stream:api"]);
    const secondBatch = await lastBatchId(store.db);
    const tags = new Map((await loadPartitionStates(store.db)).map((r) => [r.partition, r.batchId]));
    expect(tags).toEqual(
      new Map([
        ["miner:api", secondBatch],
        ["miner:db", firstBatch],
        ["shared", secondBatch],
        ["stream:api", secondBatch],
        ["stream:db", firstBatch],
      ]),
    );
    // Batch rows older than what every saved row includes are let go.
    const batchRows = await store.db.selectFrom("ingest_batches").select("id").execute();
    expect(batchRows.map((r) => Number(r.id))).toEqual([secondBatch]);

    // A restart restores the whole state: miner and detectors as the first process left them.
    const restarted = pipelineOn(store, clock);
    await restarted.start();
    expect(restarted.processor.exportState()).toEqual(first.processor.exportState());

    // One partition alone: a fresh processor given only db's rows holds db's templates as they were.
    const handedOver = createProcessor(config, clock);
    importPartitions(
      handedOver,
      await loadPartitionStates(store.db, [minerPartition("db"), streamPartition("db")]),
    );
    expect(handedOver.miner.streamNames()).toEqual(["db"]);
    expect(handedOver.miner.exportStream("db")).toEqual(first.processor.miner.exportStream("db"));
    expect(handedOver.miner.templates()).toEqual(
      first.processor.miner.templates().filter((t) => t.stream === "db"),
    );
    // …and the detectors keyed by stream hold db as they did, and nothing of api.
    const db = new Set(["db"]);
    const partitioned = first.processor.detectors.filter(isStreamPartitioned);
    expect(partitioned.length).toBeGreaterThan(0);
    // Volume's row keeps how long db had been quiet when the row was saved; the second passed since, with
    // the row in storage, is not silence to the instance it is handed to (as with a restart).
    const quietAsSaved = (states: Map<string, JsonValue>) =>
      JSON.parse(JSON.stringify([...states]), (key, value: unknown) =>
        key === "clock" && Array.isArray(value) ? value.slice(0, 2) : value,
      );
    for (const [i, d] of handedOver.detectors.filter(isStreamPartitioned).entries()) {
      expect(quietAsSaved(d.exportStreams(db)), d.name).toEqual(
        quietAsSaved(partitioned[i]!.exportStreams(db)),
      );
      expect([...d.streams()], d.name).not.toContain("api");
    }
  });

  it("takes over the single state row of an older version and replaces it with partition rows", async (ctx) => {
    if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
    opened = await open();
    const { store } = opened;
    const clock = new FakeClock("2026-03-01T00:00:00Z");
    const old = createProcessor(config, clock);
    old.mine([...lines("api", 0, 20, "request"), ...lines("db", 0, 20, "query")]);
    await saveState(store.db, "pipeline", old.exportState(), "2026-03-01T00:00:00.000Z");

    const upgraded = pipelineOn(store, clock);
    await upgraded.start();
    expect(upgraded.processor.exportState()).toEqual(old.exportState());
    await upgraded.saveState();
    // Only templates were mined (no detector ran): a miner row each, and no stream row.
    expect((await loadPartitionStates(store.db)).map((r) => r.partition)).toEqual([
      "miner:api",
      "miner:db",
      "shared",
    ]);
    expect(await loadState(store.db, "pipeline")).toBeUndefined();
    const again = pipelineOn(store, clock);
    await again.start();
    expect(again.processor.exportState()).toEqual(old.exportState());
  });

  it("loads version 1 rows (every detector whole in the shared row) and splits them at the next save", async (ctx) => {
    if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
    opened = await open();
    const { store } = opened;
    const clock = new FakeClock("2026-03-01T00:00:00Z");
    const old = createProcessor(config, clock);
    old.detect(old.mine([...lines("api", 0, 60, "request"), ...lines("db", 0, 60, "query")], 1));
    // The rows as version 1 wrote them: templates by stream, the detectors only in `shared`.
    await savePartitionStates(
      store.db,
      [
        {
          partition: "shared",
          value: {
            version: 1,
            miner: old.miner.exportShared(),
            detectors: Object.fromEntries(old.detectors.map((d) => [d.name, d.exportState()])),
          },
          batchId: 0,
        },
        ...old.miner.streamNames().map((stream) => ({
          partition: streamPartition(stream),
          value: { version: 1, miner: old.miner.exportStream(stream)! },
          batchId: 0,
        })),
      ],
      "2026-03-01T00:00:00.000Z",
    );

    const upgraded = pipelineOn(store, clock);
    await upgraded.start();
    expect(upgraded.processor.exportState()).toEqual(old.exportState());
    // No batch came: the save still writes every stream, now with its detectors' state.
    await upgraded.saveState();
    const rows = new Map((await loadPartitionStates(store.db)).map((r) => [r.partition, r.value]));
    const api = rows.get("stream:api");
    expect(isJsonObject(api) && api.version).toBe(3);
    expect(rows.get("miner:api")).toMatchObject({ version: 3 });
    expect(isJsonObject(api) && isJsonObject(api.detectors) && Object.keys(api.detectors).sort()).toEqual([
      "new_template",
      "rare_template",
      "volume",
    ]);
    const shared = rows.get("shared");
    if (!isJsonObject(shared) || !isJsonObject(shared.detectors) || !isJsonObject(shared.partitioned))
      throw new Error("shared row of an unexpected shape");
    expect(Object.keys(shared.partitioned).sort()).toEqual([
      "error_burst",
      "new_template",
      "rare_template",
      "severe_events",
      "volume",
    ]);
    for (const name of Object.keys(shared.partitioned))
      expect(Object.keys(shared.detectors)).not.toContain(name);
    expect(Object.keys(shared.detectors)).toContain("brute_force");

    const again = pipelineOn(store, clock);
    await again.start();
    expect(again.processor.exportState()).toEqual(old.exportState());
  });

  it("reads one cluster partition's rows, or the node's own without any partition's", async (ctx) => {
    if (needsPostgres && !(await postgresAvailable())) return ctx.skip();
    opened = await open();
    const { store } = opened;
    const names = [
      "shared",
      "stream:api",
      "cluster/p1/shared",
      "cluster/p1/stream:a_b",
      "cluster/p10/shared",
    ];
    await savePartitionStates(
      store.db,
      names.map((partition, i) => ({ partition, value: { i }, batchId: i })),
      "2026-03-01T00:00:00.000Z",
    );
    const p1 = await loadPartitionStatesUnder(store.db, "cluster/p1/");
    expect(p1).toEqual([
      { partition: "shared", value: { i: 2 }, batchId: 2 },
      { partition: "stream:a_b", value: { i: 3 }, batchId: 3 },
    ]);
    const own = await loadPartitionStatesUnder(store.db, "cluster/", false);
    expect(own.map((r) => r.partition)).toEqual(["shared", "stream:api"]);
  });
});

it("a detector with no remainder in the shared row (off at the last save) takes nothing from stream rows", () => {
  const clock = new FakeClock("2026-03-01T00:00:00Z");
  const source = createProcessor(config, clock);
  source.detect(source.mine([...lines("api", 0, 60, "request"), ...lines("db", 0, 60, "query")], 1));
  const rows = [...exportStreams(source, ["api", "db"]), exportShared(source)];
  const restored = createProcessor(config, clock);
  importPartitions(restored, rows);
  const volume = (p: typeof source) =>
    p.detectors.filter(isStreamPartitioned).find((d) => d.name === "volume")!;
  expect([...volume(restored).streams()].sort()).toEqual(["api", "db"]);

  // The same rows, with volume off when the shared row was written: its remainder is not there.
  const shared = rows.at(-1)!;
  if (!isJsonObject(shared.value) || !isJsonObject(shared.value.partitioned))
    throw new Error("no remainders");
  const { volume: _off, ...others } = shared.value.partitioned;
  const withoutVolume = [
    ...rows.slice(0, -1),
    { ...shared, value: { ...shared.value, partitioned: others } },
  ];
  const fresh = createProcessor(config, clock);
  importPartitions(fresh, withoutVolume);
  expect([...volume(fresh).streams()]).toEqual([]);
  const newTemplate = fresh.detectors.find((d) => d.name === "new_template")!;
  expect(newTemplate.exportState()).toEqual(
    source.detectors.find((d) => d.name === "new_template")!.exportState(),
  );
});
