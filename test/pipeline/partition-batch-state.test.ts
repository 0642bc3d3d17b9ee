import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { FakeClock } from "../../src/core/clock.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { IngestPipeline } from "../../src/pipeline/ingest-pipeline.js";
import type { Store } from "../../src/store/db.js";
import { loadPartitionStates, savePartitionStates } from "../../src/store/repos/partition-state.js";
import { DIALECTS, type TestStore } from "../helpers/stores.js";
import { timedLines } from "../helpers/timed-lines.js";

/**
 * A cluster partition's pipeline saves its state with every batch (the `PartitionOwnership` port): every
 * stream the batch touched, so the next owner starts exactly there. A stream's templates are written then
 * only when the batch created or reshaped one (`miner:<name>`); its detectors' state (`stream:<name>`)
 * with every batch.
 */
const config = loadConfig({ env: { DATA_DIR: "/nonexistent" } });
const PREFIX = "cluster/p0/";
const sqlite = DIALECTS.find((d) => !d.needsPostgres)!;

let opened: TestStore | undefined;
afterEach(async () => {
  await opened?.cleanup();
  opened = undefined;
});

function partitionPipeline(store: Store, clock: FakeClock): IngestPipeline {
  return new IngestPipeline(
    store,
    createProcessor(config, clock, "streams"),
    clock,
    pino({ level: "silent" }),
    {
      queueRecords: 100_000,
      queueMaxWaitSecs: 0,
      batchSize: 1_000,
      stateSaveIntervalMs: 3_600_000,
      ownership: { statePrefix: PREFIX, fence: async () => {}, handoffsDone: async () => {} },
    },
  );
}

const lines = (from: number, n: number, shape: string) => timedLines("api", from, n, shape);

async function rowTimes(store: Store): Promise<Map<string, string>> {
  const rows = await store.db.selectFrom("partition_state").select(["partition", "updated_at"]).execute();
  return new Map(rows.map((r) => [r.partition, r.updated_at]));
}

describe("a cluster partition's state saved with each batch", () => {
  it("writes a stream's templates only with a batch that changed them, and a new owner mines the same templates", async () => {
    opened = await sqlite.open();
    const { store } = opened;
    const clock = new FakeClock("2026-03-01T00:00:00Z");
    const first = partitionPipeline(store, clock);
    await first.start();
    await first.submit(lines(0, 30, "request"));
    const afterNew = await rowTimes(store);
    expect([...afterNew.keys()].sort()).toEqual([
      `${PREFIX}miner:api`,
      `${PREFIX}shared`,
      `${PREFIX}stream:api`,
    ]);

    // The same kind of line again: no template created or reshaped, so the templates' row stays.
    clock.advance(5_000);
    await first.submit(lines(30, 20, "request"));
    const afterSame = await rowTimes(store);
    expect(afterSame.get(`${PREFIX}miner:api`)).toBe(afterNew.get(`${PREFIX}miner:api`));
    expect(afterSame.get(`${PREFIX}stream:api`)).not.toBe(afterNew.get(`${PREFIX}stream:api`));

    // A new kind of line creates a template: the batch writes the templates again.
    clock.advance(5_000);
    await first.submit(lines(50, 5, "cache miss for key"));
    const afterCreated = await rowTimes(store);
    expect(afterCreated.get(`${PREFIX}miner:api`)).not.toBe(afterSame.get(`${PREFIX}miner:api`));

    // The partition's next owner (the first one killed: nothing saved but what the batches committed)
    // holds the same templates, ids and text, and mines a new line to the same template.
    const next = partitionPipeline(store, clock);
    await next.start();
    const shape = (p: IngestPipeline) => p.processor.miner.templates().map((t) => [t.templateId, t.template]);
    expect(shape(next)).toEqual(shape(first));
    const probe = lines(60, 1, "cache miss for key");
    const [a] = (await first.submit(probe)).records;
    const [b] = (await next.submit(probe)).records;
    expect(b!.templateId).toBe(a!.templateId);
    await first.stop();
    await next.stop();
  });

  it("loads a version 2 stream row (templates inside) and moves its templates to a row of their own at the next batch", async () => {
    opened = await sqlite.open();
    const { store } = opened;
    const clock = new FakeClock("2026-03-01T00:00:00Z");
    const old = createProcessor(config, clock, "streams");
    old.mine(lines(0, 20, "request"));
    await savePartitionStates(
      store.db,
      [
        {
          partition: `${PREFIX}stream:api`,
          value: { version: 2, miner: old.miner.exportStream("api")!, detectors: {} },
          batchId: 0,
        },
      ],
      "2026-03-01T00:00:00.000Z",
    );
    const upgraded = partitionPipeline(store, clock);
    await upgraded.start();
    expect(upgraded.processor.miner.templates()).toEqual(old.miner.templates());
    // A batch that creates no template still writes the templates, now in their own row.
    await upgraded.submit(lines(20, 5, "request"));
    const rows = new Map((await loadPartitionStates(store.db)).map((r) => [r.partition, r.value]));
    expect(rows.get(`${PREFIX}miner:api`)).toMatchObject({ version: 3 });
    expect(rows.get(`${PREFIX}stream:api`)).not.toHaveProperty("miner");
    await upgraded.stop();
  });
});
