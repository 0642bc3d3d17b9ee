/**
 * Append cost of the segment store's write-ahead step (one `log_batches` row per append, src/store/segments)
 * against today's `logs` table (a row, three indexes and an FTS entry per line), on the same mined records:
 * the ten LogHub-2k datasets (20,000 lines) decoded and mined as ingest does. Each round appends every record
 * to a fresh store of each kind in the same process, alternating, in batches of the sizes given; CPU time of
 * this process (the SQLite writer runs on it) and wall time per line, medians over the rounds.
 *
 *   nice -n 19 npx tsx bench/segment-append.bench.ts [--rounds=5] [--batch=50,1000] [--postgres]
 *
 * Prints only; docs are left alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { serviceOf } from "../src/core/log-record.js";
import type { LogStore, RecordToAppend } from "../src/core/log-store.js";
import { decodePlain } from "../src/parsers/decoders/plain.js";
import { DrainMiner } from "../src/parsers/drain/index.js";
import { openStore, type Store, type StoreTransaction } from "../src/store/db.js";
import { logsTableStore } from "../src/store/logs-table-store.js";
import { segmentLogStore } from "../src/store/segments/segment-log-store.js";
import { LOGHUB_SYSTEMS, loghubLines } from "../test/helpers/loghub.js";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const rounds = Number(arg("rounds") ?? 5);
const batchSizes = (arg("batch") ?? "50,1000").split(",").map(Number);
const postgresUrl = process.argv.includes("--postgres")
  ? (process.env.TEST_DATABASE_URL ?? "postgres://logwarden:logwarden@127.0.0.1:5432/logwarden_test")
  : undefined;

/** The ten LogHub-2k datasets decoded and mined as ingest does, with their template texts. */
export function minedLoghubRecords(): RecordToAppend[] {
  const out: RecordToAppend[] = [];
  const miner = new DrainMiner();
  for (const dataset of LOGHUB_SYSTEMS) {
    for (const line of loghubLines(dataset)) {
      const r = decodePlain(line, { observedAt: "2026-11-23T12:00:00.000Z", defaultService: dataset });
      const stream = serviceOf(r);
      const m = miner.add(stream, r.body, r.timestamp);
      out.push({ ...r, stream, templateId: m.templateId, template: m.template, params: m.params });
    }
  }
  return out;
}

interface Opened {
  store: Store;
  close(): Promise<void>;
}

async function openFresh(): Promise<Opened> {
  if (postgresUrl) {
    const schema = `bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
    const admin = openStore({ url: postgresUrl });
    await sql`create schema ${sql.id(schema)}`.execute(admin.db);
    await admin.close();
    const url = new URL(postgresUrl);
    url.searchParams.set("options", `-c search_path=${schema}`);
    const store = openStore({ url: url.toString() });
    await store.migrate();
    return {
      store,
      async close() {
        await sql`drop schema ${sql.id(schema)} cascade`.execute(store.db);
        await store.close();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), "segment-append-"));
  const store = openStore({ url: join(dir, "bench.db") });
  await store.migrate();
  return {
    store,
    async close() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function measure(
  make: (store: Store) => LogStore<StoreTransaction>,
  records: RecordToAppend[],
  batch: number,
): Promise<{ cpuUs: number; wallUs: number }> {
  const { store, close } = await openFresh();
  try {
    const logs = make(store);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < records.length; i += batch)
      await store.transaction((tx) =>
        logs.append(tx, records.slice(i, i + batch), "2026-11-23T12:00:01.000Z"),
      );
    const wallUs = ((performance.now() - t0) * 1000) / records.length;
    const cpu = process.cpuUsage(cpu0);
    return { cpuUs: (cpu.user + cpu.system) / records.length, wallUs };
  } finally {
    await close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// Run as a script only (segment-search.bench.ts imports the corpus).
if (import.meta.url === `file://${process.argv[1]}`) await main();

async function main() {
  const records = minedLoghubRecords();
  console.log(
    `${records.length} mined LogHub-2k lines, ${rounds} rounds, ${postgresUrl ? "PostgreSQL" : "SQLite file"}`,
  );
  for (const batch of batchSizes) {
    const table: { cpuUs: number; wallUs: number }[] = [];
    const segments: { cpuUs: number; wallUs: number }[] = [];
    for (let r = 0; r < rounds; r++) {
      table.push(await measure(logsTableStore, records, batch));
      segments.push(await measure((s) => segmentLogStore(s), records, batch));
    }
    const row = (name: string, xs: { cpuUs: number; wallUs: number }[]) =>
      `  ${name.padEnd(28)} CPU ${median(xs.map((x) => x.cpuUs)).toFixed(2)} µs/line, wall ${median(xs.map((x) => x.wallUs)).toFixed(2)} µs/line`;
    const ratio = median(table.map((x) => x.cpuUs)) / median(segments.map((x) => x.cpuUs));
    console.log(`batches of ${batch}:`);
    console.log(row("logs table (insertLogs)", table));
    console.log(row("segment batch row", segments));
    console.log(`  CPU ratio table/segments: ${ratio.toFixed(2)}x`);
  }
}
