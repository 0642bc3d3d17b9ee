import fc from "fast-check";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../../src/config/schema.js";
import type { RecordToAppend } from "../../../src/core/log-store.js";
import { openLogStore } from "../../../src/runtime/open-log-store.js";
import type { Store } from "../../../src/store/db.js";
import { logsTableStore } from "../../../src/store/logs-table-store.js";
import { countLogs } from "../../../src/store/repos/logs.js";
import { segmentLogStore } from "../../../src/store/segments/segment-log-store.js";
import { convertLogsTable } from "../../../src/store/segments/table-conversion.js";
import { DIALECTS, postgresAvailable } from "../../helpers/stores.js";
import { answers, query, records, toAppend } from "./differential-records.js";

const hasPostgres = await postgresAvailable();
const STORED_AT = "2026-05-04T14:00:00.000Z";
const silent = pino({ level: "silent" });

/** Writes `all` through the `logs` table store as the current release does, with its templates' rows. */
async function writeTableFile(store: Store, all: RecordToAppend[], gaps: number[]): Promise<number[]> {
  const table = logsTableStore(store);
  const refs = await store.transaction((tx) => table.append(tx, all, STORED_AT));
  // Ids the way a PostgreSQL sequence leaves them after rolled-back inserts: with holes.
  const holes = gaps.map((g) => refs[g % refs.length]!);
  if (holes.length > 0) await store.db.deleteFrom("logs").where("id", "in", holes).execute();
  const templates = new Map(all.filter((r) => r.templateId).map((r) => [r.templateId!, r]));
  for (const [id, r] of templates)
    await store.db
      .insertInto("templates")
      .values({
        template_id: id,
        stream: r.stream,
        template: r.template ?? "",
        count: 1,
        first_seen: STORED_AT,
        last_seen: STORED_AT,
        replaced_by: null,
      })
      .execute();
  return refs.filter((r) => !holes.includes(r));
}

describe.each(DIALECTS)("converting the logs table into segments ($name)", ({ open, needsPostgres }) => {
  it.skipIf(needsPostgres && !hasPostgres)(
    "answers every read as the table did, references kept, and new lines go above them (property)",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          records,
          fc.array(fc.nat(), { maxLength: 5 }),
          fc.array(query, { minLength: 1, maxLength: 3 }),
          fc.integer({ min: 2, max: 30 }),
          async (generated, gaps, queries, segmentLines) => {
            const { store, cleanup } = await open();
            try {
              const refs = await writeTableFile(store, generated.map(toAppend), gaps);
              const before = await answers(logsTableStore(store), queries, refs);
              const done = await convertLogsTable(store, { segmentLines });
              expect(done).toEqual({ converted: refs.length, total: refs.length });
              expect(await countLogs(store.db)).toBe(0);
              const segments = segmentLogStore(store, { segmentLines });
              expect(await answers(segments, queries, refs)).toEqual(before);
              const [next] = await store.transaction((tx) =>
                segments.append(tx, [toAppend(generated[0]!)], STORED_AT),
              );
              expect(next).toBeGreaterThan(Math.max(0, ...refs));
            } finally {
              await cleanup();
            }
          },
        ),
        { numRuns: needsPostgres ? 8 : 25, seed: 1118 },
      );
    },
    120_000,
  );

  it.skipIf(needsPostgres && !hasPostgres)(
    "goes on where a conversion stopped, nothing lost or doubled",
    async () => {
      const { store, cleanup } = await open();
      try {
        const all = Array.from({ length: 50 }, (_, i) =>
          toAppend({
            minute: i % 40,
            timeForm: "iso",
            service: i % 3 ? "api" : "db",
            host: null,
            severity: 9,
            template: "user <*> logged in",
            values: [`u${i}`, "x"],
            fits: true,
            other: "",
          }),
        );
        const refs = await writeTableFile(store, all, []);
        const before = await logsTableStore(store).get(refs);
        await expect(
          convertLogsTable(store, {
            segmentLines: 8,
            onProgress: (p) => {
              if (p.converted >= 16) throw new Error("stopped");
            },
          }),
        ).rejects.toThrow("stopped");
        expect(await countLogs(store.db)).toBe(50 - 16);
        const done = await convertLogsTable(store, { segmentLines: 8 });
        expect(done).toEqual({ converted: 34, total: 34 });
        expect(await segmentLogStore(store).get(refs)).toEqual(before);
        expect(await segmentLogStore(store).watermark()).toBe(refs.at(-1));
      } finally {
        await cleanup();
      }
    },
  );

  it.skipIf(needsPostgres && !hasPostgres)(
    "LOG_STORE=segments converts at start; LOG_STORE=table then refuses the file with a config error",
    async () => {
      const { store, cleanup } = await open();
      try {
        const line = toAppend({
          minute: 1,
          timeForm: "iso",
          service: "api",
          host: null,
          severity: 9,
          template: null,
          values: ["", ""],
          fits: false,
          other: "hello",
        });
        const refs = await writeTableFile(store, [line, line], []);
        const segments = await openLogStore(
          configSchema.parse({ logStore: { engine: "segments" } }),
          store,
          silent,
        );
        await segments.stop();
        expect((await segments.logs.get(refs)).map((r) => r.message)).toEqual(["hello", "hello"]);
        // Unset, LOG_STORE serves what the database now holds: segments. Only LOG_STORE=table refuses.
        const unset = await openLogStore(configSchema.parse({}), store, silent);
        await unset.stop();
        expect((await unset.logs.get(refs)).map((r) => r.message)).toEqual(["hello", "hello"]);
        const table = configSchema.parse({ logStore: { engine: "table" } });
        await expect(openLogStore(table, store, silent)).rejects.toMatchObject({
          name: "ConfigError",
          message: expect.stringContaining("start with LOG_STORE=segments"),
        });
      } finally {
        await cleanup();
      }
    },
  );
});
