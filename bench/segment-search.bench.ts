/**
 * Search latency of the segment store (sealed, src/store/segments) against the `logs` table on the same
 * records: the ten mined LogHub-2k datasets (20,000 lines) appended `--copies` times with their times shifted
 * by a day per copy. Queries: a rare word, a common word, a template, an hour of time, and the newest page;
 * each the first page of 50, CPU ms of this process (SQLite in-process, no read threads, so both stores' work
 * is counted here): cold (the segment store's caches empty: a new store object per query) and the median of
 * the runs after it (warm: its caches hold what the query read).
 *
 *   nice -n 19 npx tsx bench/segment-search.bench.ts [--copies=5] [--runs=7]
 *
 * Prints only; docs are left alone.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LogQuery, LogStore, RecordToAppend } from "../src/core/log-store.js";
import { openStore, type Store, type StoreTransaction } from "../src/store/db.js";
import { logsTableStore } from "../src/store/logs-table-store.js";
import { segmentLogStore } from "../src/store/segments/segment-log-store.js";
import { minedLoghubRecords } from "./segment-append.bench.js";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const copies = Number(arg("copies") ?? 5);
const runs = Number(arg("runs") ?? 7);

const base = minedLoghubRecords();
const DAY = 86_400_000;
const records: RecordToAppend[] = [];
for (let c = 0; c < copies; c++)
  for (const r of base) {
    const ms = Date.parse(r.timestamp);
    const timestamp = Number.isNaN(ms) ? r.timestamp : new Date(ms + c * DAY).toISOString();
    records.push({ ...r, timestamp });
  }
const times = records.map((r) => r.timestamp).sort();
const middle = times[Math.floor(times.length / 2)]!;
const hourAfter = new Date(Date.parse(middle) + 3_600_000).toISOString();
const commonTemplate = (() => {
  const counts = new Map<string, number>();
  for (const r of records) if (r.templateId) counts.set(r.templateId, (counts.get(r.templateId) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0]![0];
})();

const QUERIES: [string, LogQuery][] = [
  ["newest page", {}],
  ["rare word (blk_-1030832046197982436)", { text: "blk_-1030832046197982436" }],
  ["common word (error)", { text: "error" }],
  ["template (most common)", { templateId: commonTemplate }],
  ["one hour", { since: middle, until: hourAfter }],
];

async function fill(
  make: (s: Store) => LogStore<StoreTransaction> & { seal?: () => Promise<{ batches: number }> },
) {
  const dir = mkdtempSync(join(tmpdir(), "segment-search-"));
  const store = openStore({ url: join(dir, "bench.db") });
  await store.migrate();
  const logs = make(store);
  for (let i = 0; i < records.length; i += 1_000)
    await store.transaction((tx) => logs.append(tx, records.slice(i, i + 1_000), "2026-11-23T12:00:00.000Z"));
  if (logs.seal) while ((await logs.seal()).batches > 0);
  return {
    logs,
    fresh: () => make(store),
    close: () => store.close().then(() => rmSync(dir, { recursive: true, force: true })),
  };
}

const cpuMs = async (work: () => Promise<unknown>) => {
  const c0 = process.cpuUsage();
  await work();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const table = await fill(logsTableStore);
const segments = await fill((s) => segmentLogStore(s));
console.log(`${records.length} lines; first page of 50, CPU ms: cold / median of ${runs} warm runs`);
for (const [name, query] of QUERIES) {
  const a: number[] = [];
  const b: number[] = [];
  const [ta, tb] = await Promise.all([
    table.logs.search(query, { limit: 50 }),
    segments.logs.search(query, { limit: 50 }),
  ]);
  const same = JSON.stringify(ta.map((r) => r.message)) === JSON.stringify(tb.map((r) => r.message));
  const coldTable = await cpuMs(() => table.fresh().search(query, { limit: 50 }));
  const coldSegments = await cpuMs(() => segments.fresh().search(query, { limit: 50 }));
  for (let i = 0; i < runs; i++) {
    a.push(await cpuMs(() => table.logs.search(query, { limit: 50 })));
    b.push(await cpuMs(() => segments.logs.search(query, { limit: 50 })));
  }
  console.log(
    `  ${name.padEnd(40)} table ${coldTable.toFixed(1)} / ${median(a).toFixed(1)} ms, segments ${coldSegments.toFixed(1)} / ${median(b).toFixed(1)} ms, ${ta.length} hits${same ? "" : " (PAGES DIFFER)"}`,
  );
}
await table.close();
await segments.close();
