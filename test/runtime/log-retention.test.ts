import pino from "pino";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { openLogStore } from "../../src/runtime/open-log-store.js";
import { configuredLogStore } from "../../src/store/configured-log-store.js";
import { lineToAppend } from "../helpers/records.js";
import { DIALECTS, postgresAvailable } from "../helpers/stores.js";

const hasPostgres = await postgresAvailable();
const DAY = 86_400_000;

const line = (ageMs: number, body: string) => lineToAppend(new Date(Date.now() - ageMs).toISOString(), body);

describe.each(DIALECTS)("LOG_RETENTION_DAYS ($name)", ({ open, needsPostgres }) => {
  it.skipIf(needsPostgres && !hasPostgres).each(["table", "segments"] as const)(
    "%s: drops the lines older than the kept days at start, keeps the rest",
    async (engine) => {
      const { store, cleanup } = await open();
      try {
        const config = configSchema.parse({ logStore: { engine, retentionDays: 2 } });
        const logs = await configuredLogStore(store, config.logStore);
        const now = new Date().toISOString();
        // Separate appends: the segment store drops a batch or segment whole, by its newest line.
        const old = await store.transaction((tx) =>
          logs.append(tx, [line(3 * DAY, "old a"), line(2.5 * DAY, "old b")], now),
        );
        const kept = await store.transaction((tx) =>
          logs.append(tx, [line(DAY, "recent"), line(0, "now")], now),
        );
        const opened = await openLogStore(config, store, pino({ level: "silent" }));
        await opened.stop();
        expect(await logs.get([...old, ...kept])).toMatchObject([{ message: "recent" }, { message: "now" }]);
        expect((await logs.search({}, { limit: 10 })).map((r) => r.message)).toEqual(["now", "recent"]);
      } finally {
        await cleanup();
      }
    },
  );
});
