import pino from "pino";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { openLogStore } from "../../src/runtime/open-log-store.js";
import { configuredSegmentStore } from "../../src/store/configured-log-store.js";
import { recordLogEngine } from "../../src/store/log-store-engine.js";
import { lineToAppend } from "../helpers/records.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";
import { waitFor } from "../helpers/wait.js";

const hasPostgres = await postgresAvailable();
const silent = pino({ level: "silent" });

/** The segment store's settings, pointing its sealing thread at the test's own database, sealing at once. */
function segmentConfig({ url }: TestStore) {
  return configSchema.parse({
    ...(url.startsWith("postgres") ? { databaseUrl: url } : { sqliteDbPath: url }),
    logStore: { engine: "segments", sealAfterSecs: 1 },
  });
}

const hourAgo = () => new Date(Date.now() - 3_600_000).toISOString();
const lines = (n: number) => Array.from({ length: n }, (_, i) => lineToAppend(hourAgo(), `line ${i}`));

// The sealing and build threads start with the first batch, not with the store (a reader never pays
// their start); these say that starting late loses no seal.
describe.each(DIALECTS)("openLogStore, segments ($name)", ({ open, needsPostgres }) => {
  it.skipIf(needsPostgres && !hasPostgres)("seals the first batches appended after it opened", async () => {
    const test = await open();
    const opened = await openLogStore(segmentConfig(test), test.store, silent);
    try {
      const refs = await test.store.transaction((tx) => opened.logs.append(tx, lines(5), hourAgo()));
      const logs = opened.logs as Required<typeof opened.logs>;
      await waitFor(async () => (await logs.sealingStats()).unsealedLines === 0, "the batch to be sealed");
      expect((await logs.sealingStats()).segments).toBe(1);
      expect((await logs.get(refs)).map((r) => r.message)).toEqual([
        "line 0",
        "line 1",
        "line 2",
        "line 3",
        "line 4",
      ]);
    } finally {
      await opened.stop();
      await test.cleanup();
    }
  });

  it.skipIf(needsPostgres && !hasPostgres)(
    "seals the batches an earlier run left unsealed, with nothing appended since",
    async () => {
      const test = await open();
      const config = segmentConfig(test);
      // An earlier run's batches, appended with no sealing running.
      await recordLogEngine(test.store.db, "segments");
      const earlier = configuredSegmentStore(test.store, config.logStore);
      await test.store.transaction((tx) => earlier.append(tx, lines(3), hourAgo()));
      expect((await earlier.sealingStats()).unsealedLines).toBe(3);
      const opened = await openLogStore(config, test.store, silent);
      try {
        await waitFor(
          async () => (await earlier.sealingStats()).unsealedLines === 0,
          "the left batch to be sealed",
        );
        expect((await earlier.sealingStats()).segments).toBe(1);
      } finally {
        await opened.stop();
        await test.cleanup();
      }
    },
  );
});
