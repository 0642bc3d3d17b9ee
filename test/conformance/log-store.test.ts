import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  LogQuery,
  LogStore,
  RecordRef,
  RecordToAppend,
  StoredRecord,
} from "../../src/core/log-store.js";
import type { Store, StoreTransaction } from "../../src/store/db.js";
import { logsTableStore } from "../../src/store/logs-table-store.js";
import { readingOnThreads, SegmentReadThreads } from "../../src/store/segments/read-threads.js";
import { segmentLogStore } from "../../src/store/segments/segment-log-store.js";
import { DIALECTS, postgresAvailable, sqliteTestStore, type TestStore } from "../helpers/stores.js";

/**
 * One suite over every `LogStore` implementation, on SQLite and on PostgreSQL (as Hono runs one router
 * suite over every router). Each operation is checked against a model of the interface's documented
 * semantics computed here from the appended records, and the answers of the two databases must be the
 * same, references translated back to the records appended. Every store must also answer as the first (the
 * `logs` table) does.
 *
 * The segment store is run in the states a reader can find it in: everything still in appended batches,
 * a sealed segment beside a batch, and many small segments (so walks cross segments and stop early).
 * `afterAppend` runs after each of the suite's two appends (0, then 1), outside their transactions.
 */
interface StoreUnderTest {
  logs: LogStore<StoreTransaction>;
  afterAppend?(appended: number): Promise<void>;
  close?(): Promise<void>;
}
const LOG_STORES: { name: string; create(store: Store, url: string): StoreUnderTest }[] = [
  { name: "logs table", create: (store) => ({ logs: logsTableStore(store) }) },
  { name: "segments, never sealed", create: (store) => ({ logs: segmentLogStore(store) }) },
  {
    name: "segments, sealed after the first append",
    create(store) {
      const logs = segmentLogStore(store);
      return { logs, afterAppend: async (n) => void (n === 0 && (await logs.seal())) };
    },
  },
  {
    name: "segments of 16 lines, sealed after each append",
    create(store) {
      const logs = segmentLogStore(store, { segmentLines: 16 });
      return { logs, afterAppend: async () => void (await logs.seal()) };
    },
  },
  {
    // As `serve` runs it: scans on read threads with connections of their own (LOG_READ_THREADS).
    name: "segments, scans on read threads, sealed after the first append",
    create(store, url) {
      const local = segmentLogStore(store);
      const threads = new SegmentReadThreads({ url, sqliteCacheMb: 8, nice: 0 }, 2, (error) => {
        throw error;
      });
      return {
        logs: readingOnThreads(local, threads),
        afterAppend: async (n) => void (n === 0 && (await local.seal())),
        close: () => threads.close(),
      };
    },
  },
];

const T0 = Date.parse("2026-05-04T10:00:00.000Z");
const STORED_AT = "2026-05-04T14:00:00.000Z";
const SERVICES = ["sshd", "kernel", "nginx", "app_api"];
const HOSTS = ["web-1", "db-01", null];
const LEVELS: [string | null, number][] = [
  ["INFO", 9],
  ["WARN", 13],
  ["ERROR", 17],
  [null, 0],
];
/**
 * The template text each message was mined with (a store may encode messages against it); the last one
 * does not fit its messages, as a template that generalised later may not, and records without a template
 * id have none.
 */
const TEMPLATES = [
  "Failed password for invalid user <*> from <*> port <*> ssh2",
  "Accepted publickey for deploy from <*> port <*>",
  "disk <*> is failing, remounting read-only",
  "GET <*> HTTP/1.1 200 <*>",
  "PacketResponder <*> for block <*> terminating",
  `user "o'brien" changed password; drop table logs; -- <*>`,
  "connection reset by peer (errno=<*>) user@example.com e-mail foo_bar",
  "Out of memory: Killed process <*> (python) total-vm:<*>kB",
];
const MESSAGES: ((i: number) => string)[] = [
  (i) =>
    `Failed password for invalid user admin${i % 3} from 10.0.${i % 4}.${i % 7} port ${22 + (i % 2)} ssh2`,
  (i) => `Accepted publickey for deploy from 192.168.1.${i % 9} port 5${i % 10}022`,
  (i) => `disk /dev/sda${i % 3} is failing, remounting read-only`,
  (i) => `GET /api/v1/logs?q=a.b&n=${i} HTTP/1.1 200 ${i % 50}ms`,
  (i) => `PacketResponder ${i % 4} for block blk_-16089996879198${i % 5} terminating`,
  (i) => `user "o'brien" changed password; drop table logs; -- ${i}`,
  (i) => `connection reset by peer (errno=${104 + (i % 2)}) user@example.com e-mail foo_bar`,
  (i) => `Out of memory: Killed process ${1000 + i} (java) total-vm:${i * 4}kB`,
];

/** 240 records over 3 hours, some sharing one record time (ties are broken by reference). */
function fixture(): RecordToAppend[] {
  return Array.from({ length: 240 }, (_, i) => {
    const [level, severityNumber] = LEVELS[i % LEVELS.length]!;
    const host = HOSTS[i % HOSTS.length]!;
    const service = SERVICES[(i * 7) % SERVICES.length]!;
    const m = i % MESSAGES.length;
    const timestamp = new Date(T0 + Math.floor(i / 3) * 137_000).toISOString();
    return {
      timestamp,
      observedTimestamp: timestamp,
      severityText: level,
      severityNumber,
      body: MESSAGES[m]!(i),
      attributes: { n: i, ip: `10.0.0.${i % 11}`, nested: { ok: i % 2 === 0 } },
      resource: { "service.name": service, ...(host ? { "host.name": host } : {}) },
      stream: service,
      templateId: i % 13 === 0 ? null : `${service}-t${m}`,
      template: i % 13 === 0 ? null : TEMPLATES[m]!,
      params: null,
    };
  });
}

/** `LogQuery.text` as documented: every word, any case, the last also as a prefix. */
function words(text: string): string[] {
  let found = wordsOf.get(text);
  if (found === undefined) {
    found = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    wordsOf.set(text, found);
  }
  return found;
}
/** The words of each text the model has split: the same messages and queries, over and over. */
const wordsOf = new Map<string, string[]>();

function modelMatches(record: RecordToAppend, q: LogQuery): boolean {
  if (q.text && q.text.trim() !== "") {
    const terms = words(q.text);
    if (terms.length === 0) return false;
    const have = words(record.body);
    const ok = terms.every((t, i) =>
      i === terms.length - 1 ? have.some((w) => w.startsWith(t)) : have.includes(t),
    );
    if (!ok) return false;
  }
  if (q.service && record.resource["service.name"] !== q.service) return false;
  if (q.host && record.resource["host.name"] !== q.host) return false;
  if (q.templateId && record.templateId !== q.templateId) return false;
  if (q.minSeverityNumber !== undefined && record.severityNumber < q.minSeverityNumber) return false;
  if (q.since && record.timestamp < q.since) return false;
  if (q.until && record.timestamp >= q.until) return false;
  return true;
}

const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const msAfterT0 = (ms: number) => new Date(T0 + ms).toISOString();

const QUERIES: LogQuery[] = [
  {},
  { text: "password" },
  { text: "PASSWORD" },
  { text: "failed password admin1" },
  { text: "pass" },
  { text: "accepted publi" },
  { text: "10.0.0.5" },
  { text: "sda1" },
  { text: "dev sda" },
  { text: "blk_-160899968791982" },
  { text: "o'brien" },
  { text: '"drop table logs;" OR 1=1 --' },
  { text: "user example com" },
  { text: "foo_bar" },
  { text: "kb" },
  { text: "!!! ***" },
  { text: "   " },
  { text: "nothing like this" },
  { service: "sshd" },
  { host: "db-01" },
  { templateId: "nginx-t3" },
  { minSeverityNumber: 13 },
  { since: at(30), until: at(90) },
  { text: "port", service: "kernel", minSeverityNumber: 9, since: at(10), until: at(170) },
];

/** What one database answered, references replaced by the position of the record appended. */
interface Observed {
  search: number[][];
  pages: number[][];
  get: number[];
  templateCounts: unknown[];
  watermarkEmpty: number | null;
  extents: unknown[];
  histograms: unknown[];
  countsBy: unknown[];
  contexts: unknown[];
}

const observed = new Map<string, Map<string, Observed>>();

describe.each(LOG_STORES)("LogStore conformance: $name", ({ name: storeName, create }) => {
  // SQLite's reads also through read threads (`SQLITE_READ_THREADS`, as `serve` runs them).
  const targets = [
    ...DIALECTS,
    { name: "sqlite, read threads", open: () => sqliteTestStore(2), needsPostgres: false },
  ];
  describe.each(targets)("on $name", ({ name: dialect, open, needsPostgres }) => {
    let t: TestStore | undefined;
    let logs: LogStore<StoreTransaction>;
    let afterAppend: StoreUnderTest["afterAppend"];
    let close: StoreUnderTest["close"];
    let refs: RecordRef[] = [];
    const records = fixture();
    const seen: Observed = {
      search: [],
      pages: [],
      get: [],
      templateCounts: [],
      watermarkEmpty: null,
      extents: [],
      histograms: [],
      countsBy: [],
      contexts: [],
    };
    const indexOf = (ref: RecordRef) => refs.indexOf(ref);

    beforeAll(async () => {
      if (needsPostgres && !(await postgresAvailable())) return;
      t = await open();
      ({ logs, afterAppend, close } = create(t.store, t.url));
      seen.watermarkEmpty = await logs.watermark();
      // Two appends in two transactions: references keep going up across batches.
      const store = t.store;
      refs = [];
      for (const [n, part] of [records.slice(0, 100), records.slice(100)].entries()) {
        refs.push(...(await store.transaction((tx) => logs.append(tx, part, STORED_AT))));
        await afterAppend?.(n);
      }
    });
    afterAll(async () => {
      await close?.();
      await t?.cleanup();
      if (t) {
        const byDialect = observed.get(storeName) ?? new Map<string, Observed>();
        byDialect.set(dialect, seen);
        observed.set(storeName, byDialect);
      }
    });

    it("appends in order: one distinct reference per record, increasing, and the watermark follows", async (ctx) => {
      if (!t) return ctx.skip();
      expect(seen.watermarkEmpty).toBeNull();
      expect(refs).toHaveLength(records.length);
      for (let i = 1; i < refs.length; i++) expect(refs[i]!).toBeGreaterThan(refs[i - 1]!);
      for (const r of refs) expect(Number.isSafeInteger(r) && r > 0).toBe(true);
      expect(await logs.watermark()).toBe(refs.at(-1));
    });

    it("gets records back by reference, as appended, in reference order, leaving out unknown ones", async (ctx) => {
      if (!t) return ctx.skip();
      const picked = [refs[200]!, refs[3]!, refs[3]!, refs[57]!, refs.at(-1)! + 1_000];
      const got = await logs.get(picked);
      seen.get = got.map((r) => indexOf(r.ref));
      expect(seen.get).toEqual([3, 57, 200]);
      for (const r of got) expect(r).toEqual(expectedRecord(records[indexOf(r.ref)]!, r.ref));
      expect(await logs.get([])).toEqual([]);
    });

    it("searches with one semantics: every query gives exactly the model's records, newest first", async (ctx) => {
      if (!t) return ctx.skip();
      for (const query of QUERIES) {
        const found = await logs.search(query, { limit: 1_000 });
        const expected = records
          .map((r, i) => ({ r, i }))
          .filter(({ r }) => modelMatches(r, query))
          .sort((a, b) =>
            a.r.timestamp === b.r.timestamp ? b.i - a.i : a.r.timestamp < b.r.timestamp ? 1 : -1,
          )
          .map(({ i }) => i);
        const got = found.map((r) => indexOf(r.ref));
        expect(got, JSON.stringify(query)).toEqual(expected);
        // Every record found as appended: one comparison of the whole answer (one expect per record was
        // a good part of this file's own CPU).
        expect(found).toEqual(found.map((r) => expectedRecord(records[indexOf(r.ref)]!, r.ref)));
        seen.search.push(got);
      }
      // The fixture exercises what the model says: a prefix, words inside paths and addresses, nothing.
      expect(seen.search[QUERIES.findIndex((q) => q.text === "pass")]!.length).toBeGreaterThan(0);
      expect(seen.search[QUERIES.findIndex((q) => q.text === "sda1")]!.length).toBeGreaterThan(0);
      expect(seen.search[QUERIES.findIndex((q) => q.text === "10.0.0.5")]!.length).toBeGreaterThan(0);
      expect(seen.search[QUERIES.findIndex((q) => q.text === "!!! ***")]).toEqual([]);
    });

    it("pages by position and by offset through the same order", async (ctx) => {
      if (!t) return ctx.skip();
      const query: LogQuery = { text: "port" };
      const all = (await logs.search(query, { limit: 1_000 })).map((r) => r.ref);
      const byPosition: RecordRef[] = [];
      let after: StoredRecord | undefined;
      for (;;) {
        const page = await logs.search(query, {
          limit: 7,
          after: after && { timestamp: after.timestamp, ref: after.ref },
        });
        byPosition.push(...page.map((r) => r.ref));
        if (page.length < 7) break;
        after = page.at(-1);
      }
      const byOffset: RecordRef[] = [];
      for (let offset = 0; offset < all.length; offset += 7)
        byOffset.push(...(await logs.search(query, { limit: 7, offset })).map((r) => r.ref));
      expect(byPosition).toEqual(all);
      expect(byOffset).toEqual(all);
      seen.pages = [byPosition.map(indexOf), byOffset.map(indexOf)];
    });

    it("counts records per template per interval", async (ctx) => {
      if (!t) return ctx.skip();
      for (const range of [
        { since: at(0), intervalMs: 3_600_000 },
        { since: at(20), until: at(140), intervalMs: 15 * 60_000 },
      ]) {
        const got = await logs.templateCounts(range);
        const model = new Map<string, number>();
        for (const r of records) {
          if (!r.templateId || r.timestamp < range.since) continue;
          if (range.until && r.timestamp >= range.until) continue;
          const sinceMs = Date.parse(range.since);
          const bucket = Math.floor((Date.parse(r.timestamp) - sinceMs) / range.intervalMs);
          const key = `${new Date(sinceMs + bucket * range.intervalMs).toISOString()} ${r.templateId}`;
          model.set(key, (model.get(key) ?? 0) + 1);
        }
        const expected = [...model]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([key, count]) => {
            const [start, templateId] = key.split(" ");
            return { templateId, start, count };
          });
        expect(got).toEqual(expected);
        seen.templateCounts.push(got);
      }
    });

    it("finds the first and last record time of every query's matches, null when none", async (ctx) => {
      if (!t) return ctx.skip();
      for (const query of QUERIES) {
        const times = records
          .filter((r) => modelMatches(r, query))
          .map((r) => r.timestamp)
          .sort();
        const expected = times.length === 0 ? null : { first: times[0], last: times.at(-1) };
        const got = await logs.extent(query);
        expect(got, JSON.stringify(query)).toEqual(expected);
        seen.extents.push(got);
      }
      expect(seen.extents.filter((e) => e === null).length).toBeGreaterThan(0);
    });

    it("counts every query's matches per interval of a range, empty intervals included", async (ctx) => {
      if (!t) return ctx.skip();
      // 17 minutes does not divide the range: the last interval ends past `until`, and counts only up to it.
      const ranges = [
        { since: at(0), until: at(185), intervalMs: 17 * 60_000 },
        { since: at(33), until: at(34), intervalMs: 1_000 },
        { since: msAfterT0(137_000), until: at(120), intervalMs: 137_000 },
      ];
      for (const range of ranges) {
        for (const base of QUERIES) {
          const query = { ...base, since: range.since, until: range.until };
          const sinceMs = Date.parse(range.since);
          const size = Math.ceil((Date.parse(range.until) - sinceMs) / range.intervalMs);
          const expected = Array.from({ length: size }, (_, i) => ({
            start: new Date(sinceMs + i * range.intervalMs).toISOString(),
            count: 0,
          }));
          for (const r of records.filter((r) => modelMatches(r, query)))
            expected[Math.floor((Date.parse(r.timestamp) - sinceMs) / range.intervalMs)]!.count++;
          const got = await logs.histogram(query, range.intervalMs);
          expect(got, `${JSON.stringify(query)} every ${range.intervalMs} ms`).toEqual(expected);
          seen.histograms.push(got);
        }
      }
      // A record exactly at an interval's start is in it: the third range starts on a shared record time.
      expect(await logs.histogram({ since: msAfterT0(137_000), until: msAfterT0(137_001) }, 1_000)).toEqual([
        { start: msAfterT0(137_000), count: 3 },
      ]);
    });

    it("counts every query's matches per service and per template, most first, ties by value", async (ctx) => {
      if (!t) return ctx.skip();
      const fields = [
        { field: "service", of: (r: RecordToAppend) => String(r.resource["service.name"]) },
        { field: "templateId", of: (r: RecordToAppend) => r.templateId },
      ] as const;
      for (const query of QUERIES) {
        for (const { field, of } of fields) {
          const model = new Map<string, number>();
          for (const r of records.filter((r) => modelMatches(r, query))) {
            const value = of(r);
            if (value !== null) model.set(value, (model.get(value) ?? 0) + 1);
          }
          const expected = [...model]
            .map(([value, count]) => ({ value, count }))
            .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
          const all = await logs.countBy(query, field);
          expect(all, `${field} ${JSON.stringify(query)}`).toEqual(expected);
          expect(await logs.countBy(query, field, 2)).toEqual(expected.slice(0, 2));
          seen.countsBy.push(all);
        }
      }
      // The four services have 60 records each: the limit cuts a tie, and the order of values decides.
      expect(await logs.countBy({}, "service", 2)).toEqual([
        { value: "app_api", count: 60 },
        { value: "kernel", count: 60 },
      ]);
    });

    it("shows a record's service around it in record time, ties by reference", async (ctx) => {
      if (!t) return ctx.skip();
      const ordered = (service: string) =>
        records
          .map((r, i) => ({ r, i }))
          .filter(({ r }) => r.resource["service.name"] === service)
          .sort((a, b) =>
            a.r.timestamp === b.r.timestamp ? a.i - b.i : a.r.timestamp < b.r.timestamp ? -1 : 1,
          )
          .map(({ i }) => i);
      for (const [i, before, after] of [
        [0, 3, 3],
        [57, 4, 2],
        [58, 0, 5],
        [120, 5, 0],
        [239, 2, 3],
        [150, 200, 200],
      ] as const) {
        const got = await logs.context(refs[i]!, { before, after });
        const line = ordered(String(records[i]!.resource["service.name"]));
        const position = line.indexOf(i);
        const expected = {
          record: i,
          before: line.slice(Math.max(0, position - before), position),
          after: line.slice(position + 1, position + 1 + after),
        };
        const observedContext = got && {
          record: indexOf(got.record.ref),
          before: got.before.map((r) => indexOf(r.ref)),
          after: got.after.map((r) => indexOf(r.ref)),
        };
        expect(observedContext, `record ${i}`).toEqual(expected);
        expect(got?.record).toEqual(expectedRecord(records[i]!, refs[i]!));
        for (const r of [...(got?.before ?? []), ...(got?.after ?? [])])
          expect(r).toEqual(expectedRecord(records[indexOf(r.ref)]!, r.ref));
        seen.contexts.push(observedContext);
      }
      expect(await logs.context(refs.at(-1)! + 1_000, { before: 1, after: 1 })).toBeNull();
    });
  });

  it("gives identical answers on SQLite and on PostgreSQL", (ctx) => {
    const byDialect = observed.get(storeName);
    const sqlite = byDialect?.get("sqlite");
    const postgres = byDialect?.get("postgres");
    if (!sqlite || !postgres) return ctx.skip();
    expect(postgres).toEqual(sqlite);
  });

  it("gives identical answers on SQLite's main connection and on its read threads", () => {
    const byDialect = observed.get(storeName);
    expect(byDialect?.get("sqlite, read threads")).toEqual(byDialect?.get("sqlite"));
  });

  it("gives the answers the logs table gives, on every database", (ctx) => {
    const reference = observed.get(LOG_STORES[0]!.name);
    const byDialect = observed.get(storeName);
    if (!reference || !byDialect) return ctx.skip();
    for (const [dialect, seen] of byDialect) expect(seen, dialect).toEqual(reference.get(dialect));
  });
});

function expectedRecord(r: RecordToAppend, ref: RecordRef): StoredRecord {
  const host = r.resource["host.name"];
  return {
    ref,
    timestamp: r.timestamp,
    service: String(r.resource["service.name"]),
    host: typeof host === "string" ? host : null,
    level: r.severityText,
    severityNumber: r.severityNumber,
    message: r.body,
    attributes: r.attributes,
    stream: r.stream,
    templateId: r.templateId,
  };
}
