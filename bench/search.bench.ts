/**
 * `npm run bench:search`: issue 18's question for search at scale. The two `LogStore`s on SQLite files, each
 * in a file of its own, filled with the same N records (10,000,000 by default): the `logs` table with FTS5
 * (src/store/logs-table-store.ts) and template-columnar segments (src/store/segments, 16,384-line segments).
 * Records are the fresh-valued LogHub corpus (`bench/lib/non-repeating-lines.ts`: every digit run drawn afresh, so repeats flatter no
 * codec) mined by the real code (`decodePlain`, one long-lived `DrainMiner`), with record times a fixed step
 * apart as a live stream's (10M lines span about 10 days), so segments are time-local. The corpus is made,
 * mined and appended in chunks of 5,000 lines and dropped: 10M records would not fit in memory.
 *
 * Reports fill speed (lines/s, wall and CPU, per store), bytes on disk per line against gzip -6 of the raw
 * text, and the wall time of a first page of 50 for a rare number, a common word, a template, an hour and the
 * newest page, plus a histogram of all lines: cold (a new store object, its caches empty) and warm.
 *
 *   nice -n 10 npm run bench:search -- [--lines=10000000] [--runs=20] [--dir=/tmp] [--segment-lines=16384] [--write | --no-write]
 *
 * Writes the `search` section of docs/benchmarks.md only at the default --lines (unless --no-write) or with
 * --write (another size in a section of its own, `search-<lines>`: `--lines=1000000 --write`), so a smoke
 * run (`--lines=200000 --runs=5`) leaves the docs alone. The SQLite files (about 550 bytes a line for
 * the table: 5.5 GB at 10M) go to a temporary folder under --dir, removed at the end. Memory: a few GB at
 * 10M, mostly the segment store objects' parsed indexes (about 200 MiB per million lines each, at 1M).
 */
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGzip } from "node:zlib";
import { serviceOf } from "../src/core/log-record.js";
import type { BoundedLogQuery, LogQuery, LogStore, RecordToAppend } from "../src/core/log-store.js";
import { decodePlain } from "../src/parsers/decoders/plain.js";
import { DrainMiner } from "../src/parsers/drain/index.js";
import { wholePieceLines } from "../src/store/columnar/segment-reseal.js";
import { foldedWords } from "../src/store/columnar/word-fold.js";
import { openStore, type Store, type StoreTransaction } from "../src/store/db.js";
import { sqliteConnectionOf } from "../src/store/dialect/sqlite.js";
import { logsTableStore } from "../src/store/logs-table-store.js";
import { DEFAULT_SEGMENT_LINES, segmentLogStore } from "../src/store/segments/segment-log-store.js";
import { nonRepeatingRawLines } from "./lib/non-repeating-lines.js";
import { machineLine, median, table, writeBenchSection } from "./lib/report.js";
import { datasetNames } from "./parse-golden-corpus.js";

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1];
const DEFAULT_LINES = 10_000_000;
const LINES = Number(arg("lines") ?? DEFAULT_LINES);
const RUNS = Number(arg("runs") ?? 20);
const DIR = arg("dir") ?? tmpdir();
/** Lines per sealed segment (`LOG_SEGMENT_LINES`): its default unless `--segment-lines` asks for another. */
const SEGMENT_LINES = Number(arg("segment-lines") ?? DEFAULT_SEGMENT_LINES);
/** `--no-write` leaves docs/benchmarks.md alone even at the default size (a helper's run, reported to the lead). */
const WRITE =
  process.argv.includes("--write") || (LINES === DEFAULT_LINES && !process.argv.includes("--no-write"));
if (!Number.isSafeInteger(LINES) || LINES < 10_000) throw new Error("--lines must be a whole number ≥ 10000");
if (!Number.isSafeInteger(RUNS) || RUNS < 1) throw new Error("--runs must be a whole number ≥ 1");
if (!Number.isSafeInteger(SEGMENT_LINES) || SEGMENT_LINES < 1)
  throw new Error("--segment-lines must be a whole number ≥ 1");

/** Lines per append call (one transaction each), and per chunk of the corpus made and mined at once. */
const CHUNK = 5_000;
/** Record times: from 2026-11-01, 86 ms apart (10M lines: 9.95 days; 200k lines: 4.8 hours). */
const START_MS = Date.UTC(2026, 10, 1);
const STEP_MS = 86;
const HOUR_MS = 3_600_000;
/** How often the fill seals, as the live sealing thread would keep up: batches must not pile up. */
const SEAL_EVERY = 100_000;
/**
 * What one `seal` call takes at most (segment-log-store.ts: four segments' worth). The fill's 5,000-line
 * chunks are sealed one segment each at the default size (a batch of `wholePieceLines` or more that fits
 * is sealed on its own); at a `--segment-lines` that merges or cuts them (above 20,000, below 5,000),
 * sealing only full seals' worth during the fill keeps segments near that size, where sealing down to
 * nothing every 100k lines would cut a remainder short.
 */
const FULL_SEAL_LINES = 4 * SEGMENT_LINES;
const PAGE = { limit: 50 };
const NO_FILL = { duty: 0, quietMs: 0 };
/** Where the new numbers are taken from, one per run: the first line with one at or after each (`newNumbers`). */
const NEW_NUMBER_FROM = Array.from({ length: RUNS }, (_, k) => Math.floor(((k + 0.5) * LINES) / RUNS));
const COMMON_WORD = "error";
const MIDDLE = Math.floor(LINES / 2);

const timeOf = (line: number) => new Date(START_MS + line * STEP_MS).toISOString();
const datasets = datasetNames();

/** Wall and CPU time of this process (all threads: SQLite and brotli's thread-pool work included), in ms. */
interface Spent {
  wall: number;
  cpu: number;
}
const spent = (): Spent => ({ wall: 0, cpu: 0 });

async function timed<T>(into: Spent, work: () => Promise<T> | T): Promise<T> {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  try {
    return await work();
  } finally {
    const c = process.cpuUsage(c0);
    into.wall += performance.now() - w0;
    into.cpu += (c.user + c.system) / 1000;
  }
}

/** The message of a corpus line as ingest stores it (decodePlain's body: the header split off). */
const messageOf = (dataset: string, line: string, at: string) =>
  decodePlain(line, { observedAt: at, defaultService: dataset }).body;

/**
 * Does `message` match a one-word search for `word` (lower case)? `LogQuery.text`'s meaning: the last word
 * of a search also matches as the start of a longer word, words being runs of letters and digits, folded.
 * The substring test first only keeps the tokenising off the lines that cannot match.
 */
const matchesWord = (message: string, lower: string, word: string) =>
  lower.includes(word) && foldedWords(message).some((w) => w.startsWith(word));

/**
 * The rare term: a fresh number from the first line at or after the middle that has one, taken before the
 * fill (one pass over the first half of the corpus, making lines without mining them) so that every line
 * can be counted against it as it is made. Only runs of 9 or more digits: the corpus's fresh digits
 * cycle with the line counter modulo 10^width (width up to 9), so a 6-digit value comes back every
 * million lines. All of that line's candidates are counted; the first that occurs exactly once is used.
 */
function rareCandidates(): string[] {
  let i = 0;
  for (const { dataset, line } of nonRepeatingRawLines(datasets, LINES)) {
    if (i >= MIDDLE) {
      const words = foldedWords(messageOf(dataset, line, timeOf(i))).filter((w) => /^\d{9,}$/.test(w));
      if (words.length > 0) return [...new Set(words)].sort((a, b) => b.length - a.length);
    }
    i++;
  }
  throw new Error("no number of 9 or more digits after the middle of the corpus");
}

const phases = {
  findRare: spent(),
  mine: spent(),
  gzip: spent(),
  tableAppend: spent(),
  segmentsAppend: spent(),
  segmentsSeal: spent(),
  checkpoint: spent(),
  queries: spent(),
};
const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
const rssMiB = () => `${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB RSS`;

const candidates = await timed(phases.findRare, rareCandidates);
const candidateCounts = new Map(candidates.map((w) => [w, 0]));
console.error(`rare-term candidates from line ${MIDDLE}: ${candidates.join(", ")} (${elapsed()})`);

const dir = mkdtempSync(join(DIR, "bench-search-"));
const paths = { table: join(dir, "table.db"), segments: join(dir, "segments.db") };
const tableStore = openStore({ url: paths.table });
const segmentsStore = openStore({ url: paths.segments });
try {
  await tableStore.migrate();
  await segmentsStore.migrate();
  await run();
} finally {
  await tableStore.close();
  await segmentsStore.close();
  rmSync(dir, { recursive: true, force: true });
}

async function run(): Promise<void> {
  const tableLogs = logsTableStore(tableStore);
  // No idle-time summary fill on the objects the queries are timed on: it would run between the timed
  // queries, on this thread. Its effect is measured on its own (\`newNumbers\`).
  const segmentLogs = segmentLogStore(segmentsStore, { segmentLines: SEGMENT_LINES, summaryFill: NO_FILL });

  // Fill: make a chunk of the corpus, mine it, gzip its raw text, append it to both stores, drop it.
  const miner = new DrainMiner();
  const templateCounts = new Map<string, number>();
  const corpus = nonRepeatingRawLines(datasets, LINES);
  // One gzip stream over all the raw text, as `gzip -6` of the whole file; each chunk is waited for, so
  // its thread-pool work is counted as gzip's and not in the next store's append.
  const gzip = createGzip({ level: 6 });
  let gzipBytes = 0;
  gzip.on("data", (b: Buffer) => {
    gzipBytes += b.length;
  });
  const gzipWrite = (chunk: Buffer) =>
    new Promise<void>((resolve, reject) => gzip.write(chunk, (e) => (e ? reject(e) : resolve())));
  let rawBytes = 0;
  const newNumberTerms: string[] = [];
  let commonLines = 0;
  let lines = 0;
  let unsealed = 0;
  let segmentCount = 0;
  const seal = async () => {
    const r = await segmentLogs.seal();
    unsealed -= r.lines;
    segmentCount += r.segments;
    return r;
  };
  while (lines < LINES) {
    const first = lines;
    const { records, raw } = await timed(phases.mine, () => {
      const records: RecordToAppend[] = [];
      const text: string[] = [];
      while (records.length < CHUNK && lines < LINES) {
        const next = corpus.next();
        if (next.done) break;
        const { dataset, line } = next.value;
        const timestamp = timeOf(lines++);
        const r = decodePlain(line, { observedAt: timestamp, defaultService: dataset });
        const stream = serviceOf(r);
        const m = miner.add(stream, r.body, timestamp);
        records.push({
          ...r,
          timestamp,
          stream,
          templateId: m.templateId,
          template: m.template,
          params: m.params,
        });
        text.push(line);
        if (lines - 1 >= (NEW_NUMBER_FROM[newNumberTerms.length] ?? Number.POSITIVE_INFINITY)) {
          const number = foldedWords(r.body).find((w) => /^\d{9,}$/.test(w));
          if (number) newNumberTerms.push(number);
        }
        // What the queries need, kept while the lines exist.
        templateCounts.set(m.templateId, (templateCounts.get(m.templateId) ?? 0) + 1);
        const lower = r.body.toLowerCase();
        if (matchesWord(r.body, lower, COMMON_WORD)) commonLines++;
        for (const [w, n] of candidateCounts)
          if (matchesWord(r.body, lower, w)) candidateCounts.set(w, n + 1);
      }
      return { records, raw: Buffer.from(`${text.join("\n")}\n`, "utf8") };
    });
    if (records.length === 0) throw new Error(`the corpus ended after ${lines} lines`);
    rawBytes += raw.length;
    await timed(phases.gzip, () => gzipWrite(raw));
    // Stored just after the chunk's last line happened, as a live feed would.
    const storedAt = records.at(-1)!.timestamp;
    await timed(phases.tableAppend, () =>
      tableStore.transaction((tx) => tableLogs.append(tx, records, storedAt)),
    );
    await timed(phases.segmentsAppend, () =>
      segmentsStore.transaction((tx) => segmentLogs.append(tx, records, storedAt)),
    );
    unsealed += records.length;
    if (Math.floor(lines / SEAL_EVERY) > Math.floor(first / SEAL_EVERY))
      await timed(phases.segmentsSeal, async () => {
        while (unsealed >= FULL_SEAL_LINES) await seal();
      });
    if (Math.floor(lines / 1_000_000) > Math.floor(first / 1_000_000) || lines === LINES)
      console.error(`filled ${lines.toLocaleString("en-US")} lines (${elapsed()}, ${rssMiB()})`);
  }
  await timed(phases.segmentsSeal, async () => {
    while ((await seal()).batches > 0);
  });
  // 'end': the last compressed bytes have been read (counted), not only written.
  await timed(phases.gzip, () => {
    const ended = new Promise<void>((resolve) => gzip.once("end", resolve));
    gzip.end();
    return ended;
  });
  if (unsealed !== 0) console.error(`!!! ${unsealed} lines left unsealed after sealing to the end`);

  // Bytes on disk: the file and its WAL after a truncating checkpoint (moves the WAL into the file).
  const disk = await timed(phases.checkpoint, () => ({
    table: bytesOnDisk(tableStore, paths.table),
    segments: bytesOnDisk(segmentsStore, paths.segments),
  }));

  // Queries, from what the fill kept.
  const rare = candidates.find((w) => candidateCounts.get(w) === 1);
  if (!rare)
    console.error(
      `\n!!! WARNING: no rare-term candidate occurs exactly once: ${[...candidateCounts].map(([w, n]) => `${w} × ${n}`).join(", ")}\n`,
    );
  const rareTerm = rare ?? candidates[0]!;
  const target = lines / 100;
  const [templateId, templateLines] = [...templateCounts].sort(
    (a, b) => Math.abs(a[1] - target) - Math.abs(b[1] - target) || (a[0] < b[0] ? -1 : 1),
  )[0]!;
  const since = timeOf(MIDDLE);
  const until = new Date(Date.parse(since) + HOUR_MS).toISOString();
  const hourLines = Math.min(Math.ceil(HOUR_MS / STEP_MS), lines - MIDDLE);
  const whole: BoundedLogQuery = {
    since: timeOf(0),
    until: new Date(START_MS + lines * STEP_MS).toISOString(),
  };
  const pct = (n: number) => `${((100 * n) / lines).toFixed(2)}%`;
  const SEARCHES: { label: string; query: LogQuery; matching: number }[] = [
    {
      label: `rare number \`${rareTerm}\` (a fresh value from line ${f0(MIDDLE)})`,
      query: { text: rareTerm },
      matching: candidateCounts.get(rareTerm)!,
    },
    {
      label: `common word \`${COMMON_WORD}\` (${pct(commonLines)} of lines)`,
      query: { text: COMMON_WORD },
      matching: commonLines,
    },
    {
      label: `template \`${templateId}\` (${pct(templateLines)} of lines)`,
      query: { templateId },
      matching: templateLines,
    },
    { label: `one hour from \`${since}\``, query: { since, until }, matching: hourLines },
    { label: "newest page (empty query)", query: {}, matching: lines },
  ];

  const fresh = {
    table: () => logsTableStore(tableStore),
    segments: () => segmentLogStore(segmentsStore, { segmentLines: SEGMENT_LINES, summaryFill: NO_FILL }),
  };
  const long = { table: tableLogs, segments: segmentLogs };
  const figures: QueryFigures[] = [];
  await timed(phases.queries, async () => {
    for (const s of SEARCHES) {
      const f = await measure(s.label, s.matching, fresh, long, (logs) => logs.search(s.query, PAGE), {
        shown: (page) => page.length,
        same: (a, b) => JSON.stringify(a.map((r) => r.message)) === JSON.stringify(b.map((r) => r.message)),
      });
      if (s.query.text === rareTerm && (f.shown !== 1 || s.matching !== 1))
        console.error(
          `\n!!! WARNING: the rare number \`${rareTerm}\` was counted ${s.matching} times, the table store finds ${f.shown}\n`,
        );
      figures.push(f);
      console.error(`measured ${s.label} (${elapsed()})`);
    }
    figures.push(
      await measure(
        "histogram, all lines (1-hour intervals)",
        lines,
        fresh,
        long,
        (logs) => logs.histogram(whole, HOUR_MS),
        {
          shown: (h) => h.reduce((a, i) => a + i.count, 0),
          same: (a, b) => JSON.stringify(a) === JSON.stringify(b),
        },
      ),
    );
  });

  const newNumbers = await measureNewNumbers(newNumberTerms, rareTerm, tableLogs);
  report({ lines, rawBytes, gzipBytes, disk, segmentCount, figures, newNumbers });
}

/** A different number each run on long-lived objects, as an investigation asks for one id after another. */
interface NewNumberFigures {
  numbers: number;
  fill: Spent;
  table: number[];
  filled: number[];
  unfilled: number[];
  same: boolean;
}

/**
 * Two long-lived segment store objects answer the rare number first; one then builds every digit-run
 * summary in idle time (\`SummaryFill\`, at full duty here so it is over quickly; its wall and CPU time are
 * reported), the other builds none. Then each of \`terms\` (a fresh number from a line spread over the
 * corpus) is asked once of the table, the filled object and the unfilled one, in turns.
 */
async function measureNewNumbers(terms: string[], rareTerm: string, table: Logs): Promise<NewNumberFigures> {
  const filled = segmentLogStore(segmentsStore, {
    segmentLines: SEGMENT_LINES,
    summaryFill: { duty: 1, quietMs: 0 },
  });
  const unfilled = segmentLogStore(segmentsStore, { segmentLines: SEGMENT_LINES, summaryFill: NO_FILL });
  await filled.search({ text: rareTerm }, PAGE);
  await unfilled.search({ text: rareTerm }, PAGE);
  const fill = spent();
  await timed(fill, () => filled.summariesFilled());
  const out: NewNumberFigures = {
    numbers: terms.length,
    fill,
    table: [],
    filled: [],
    unfilled: [],
    same: true,
  };
  const stores = { table, filled, unfilled } as const;
  for (const [k, term] of terms.entries()) {
    const answers: string[] = [];
    const order =
      k % 2 === 0 ? (["table", "filled", "unfilled"] as const) : (["unfilled", "filled", "table"] as const);
    for (const name of order) {
      const w0 = performance.now();
      const page = await stores[name].search({ text: term }, PAGE);
      out[name].push(performance.now() - w0);
      answers.push(JSON.stringify(page.map((r) => r.message)));
    }
    if (new Set(answers).size !== 1) {
      out.same = false;
      console.error(`\n!!!!!!!! WARNING: the stores' answers DIFFER for the new number ${term} !!!!!!!!\n`);
    }
  }
  console.error(`measured ${terms.length} new numbers (${elapsed()})`);
  return out;
}

function newNumbersParagraph(n: NewNumberFigures, ms: (x: number) => string): string {
  const line = (xs: number[]) => `p50 ${ms(median(xs))} ms, p99 ${ms(percentile(xs, 99))}`;
  return `A different number each time, on long-lived objects (an investigation asks for one id after another): ${n.numbers} fresh numbers of 9 or more digits, one from each of ${n.numbers} lines spread over the corpus, each asked once of the table, of a segment store object that had built every digit-run summary in idle time after its first search for a number (\`SummaryFill\`, here at full duty: ${(n.fill.wall / 1000).toFixed(1)} s wall, ${(n.fill.cpu / 1000).toFixed(1)} s CPU; in \`serve\` it takes at most a quarter of a read thread), and of one that had not (it builds the summaries of the segments each number's stored filters let through), in turns. Table: ${line(n.table)}. Segments, summaries filled: ${line(n.filled)} (${(median(n.filled) / median(n.table)).toFixed(2)}× the table's p50). Segments, not filled: ${line(n.unfilled)} (${(median(n.unfilled) / median(n.filled)).toFixed(2)}× the filled object's p50). Same answers: ${n.same ? "yes" : "**NO**"}.`;
}

function bytesOnDisk(store: Store, path: string): { bytes: number; freeBytes: number } {
  const db = sqliteConnectionOf(store);
  if (!db) throw new Error(`${path} is not a SQLite store`);
  db.pragma("wal_checkpoint(TRUNCATE)");
  const wal = `${path}-wal`;
  const bytes = statSync(path).size + (existsSync(wal) ? statSync(wal).size : 0);
  // Pages sealing freed (the batches it deleted) that later inserts had not reused yet: in the file, not data.
  const freeBytes =
    Number(db.pragma("freelist_count", { simple: true })) * Number(db.pragma("page_size", { simple: true }));
  return { bytes, freeBytes };
}

type Logs = LogStore<StoreTransaction>;
type Both<T> = { table: T; segments: T };

/** Wall ms of one store's runs, cold (a new store object each) and warm (the long-lived object). */
interface Latency {
  cold: number[];
  warm: number[];
}

interface QueryFigures {
  label: string;
  /** Lines the query matches in all (counted while filling). */
  matching: number;
  /** What the table store's answer shows: records on the page, or lines the histogram counts. */
  shown: number;
  same: boolean;
  table: Latency;
  segments: Latency;
}

/**
 * Runs `op` on both stores: once on each long-lived object to compare the answers (and warm them), then
 * `RUNS` times each cold and warm, the stores in turns and the order swapped every other run, so a noisy
 * stretch of the machine does not fall on one store only.
 */
async function measure<T>(
  label: string,
  matching: number,
  fresh: Both<() => Logs>,
  long: Both<Logs>,
  op: (logs: Logs) => Promise<T>,
  answer: { shown: (a: T) => number; same: (a: T, b: T) => boolean },
): Promise<QueryFigures> {
  const a = await op(long.table);
  const b = await op(long.segments);
  const same = answer.same(a, b);
  if (!same)
    console.error(
      `\n!!!!!!!! WARNING: the stores' answers DIFFER for ${label} !!!!!!!!\n  table:    ${JSON.stringify(a).slice(0, 600)}\n  segments: ${JSON.stringify(b).slice(0, 600)}\n`,
    );
  const lat: Both<Latency> = { table: { cold: [], warm: [] }, segments: { cold: [], warm: [] } };
  const wallMs = async (work: () => Promise<unknown>) => {
    const w0 = performance.now();
    await work();
    return performance.now() - w0;
  };
  for (let r = 0; r < RUNS; r++) {
    const order: ("table" | "segments")[] = r % 2 === 0 ? ["table", "segments"] : ["segments", "table"];
    for (const s of order) {
      lat[s].cold.push(await wallMs(() => op(fresh[s]())));
      lat[s].warm.push(await wallMs(() => op(long[s])));
    }
  }
  return { label, matching, shown: answer.shown(a), same, ...lat };
}

/** The nearest-rank percentile (of 20 runs, p99 is the slowest). */
function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length))) - 1]!;
}

function f0(x: number): string {
  return Math.round(x).toLocaleString("en-US");
}

function report(r: {
  lines: number;
  rawBytes: number;
  gzipBytes: number;
  disk: Both<{ bytes: number; freeBytes: number }>;
  segmentCount: number;
  figures: QueryFigures[];
  newNumbers: NewNumberFigures;
}): void {
  const f1 = (x: number) => x.toFixed(1);
  const f2 = (x: number) => x.toFixed(2);
  const f3 = (x: number) => x.toFixed(3);
  const mib = (x: number) => `${(x / 2 ** 20).toFixed(1)} MiB`;
  const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  const segmentsFill: Spent = {
    wall: phases.segmentsAppend.wall + phases.segmentsSeal.wall,
    cpu: phases.segmentsAppend.cpu + phases.segmentsSeal.cpu,
  };
  const perSecond = (t: Spent) => [f0(r.lines / (t.wall / 1000)), f0(r.lines / (t.cpu / 1000))];
  const sizeCells = (bytes: number) => [
    mib(bytes),
    f1(bytes / r.lines),
    f3(bytes / r.rawBytes),
    `${f3(bytes / r.gzipBytes)}×`,
  ];
  const fillTable = table(
    [
      "store",
      "fill lines/s (wall)",
      "lines/CPU-s",
      "bytes on disk",
      "bytes/line",
      "per raw byte",
      "vs gzip -6",
      "of which free pages",
    ],
    [
      [
        "logs table + FTS5",
        ...perSecond(phases.tableAppend),
        ...sizeCells(r.disk.table.bytes),
        mib(r.disk.table.freeBytes),
      ],
      [
        `segments (${r.segmentCount} sealed, ${f0(r.lines / r.segmentCount)} lines each)`,
        ...perSecond(segmentsFill),
        ...sizeCells(r.disk.segments.bytes),
        mib(r.disk.segments.freeBytes),
      ],
      ["gzip -6 of the raw text", ...perSecond(phases.gzip), ...sizeCells(r.gzipBytes), "–"],
    ],
  );
  const p50 = (xs: number[]) => median(xs);
  const p99 = (xs: number[]) => percentile(xs, 99);
  const both = (xs: number[]) => `${ms(p50(xs))} / ${ms(p99(xs))}`;
  const queryTable = table(
    [
      "query",
      "lines matching",
      "first page",
      "table cold p50 / p99 ms",
      "table warm",
      "segments cold",
      "segments warm",
      "segments / table p50, cold",
      "warm",
      "same answer",
    ],
    r.figures.map((q) => [
      q.label,
      f0(q.matching),
      q.label.startsWith("histogram") ? `${f0(q.shown)} lines counted` : String(q.shown),
      both(q.table.cold),
      both(q.table.warm),
      both(q.segments.cold),
      both(q.segments.warm),
      `${f2(p50(q.segments.cold) / p50(q.table.cold))}×`,
      `${f2(p50(q.segments.warm) / p50(q.table.warm))}×`,
      q.same ? "yes" : "**NO: answers differ**",
    ]),
  );
  const goals = r.figures
    .map(
      (q) =>
        `- ${q.label}: **${p50(q.segments.warm) <= p50(q.table.warm) ? "met" : "not met"}** (warm p50 ${ms(p50(q.segments.warm))} ms against ${ms(p50(q.table.warm))} ms)`,
    )
    .join("\n");
  const differ = r.figures.filter((q) => !q.same);

  const md = `## Search over ${f0(r.lines)} stored lines (\`npm run bench:search\`)

${machineLine()}

Corpus: ${f0(r.lines)} lines of the fresh-valued LogHub corpus (${datasets.length} datasets, every digit run of every line drawn afresh: \`bench/lib/non-repeating-lines.ts\`), ${mib(r.rawBytes)} of raw text, made and mined in chunks of ${f0(CHUNK)} (\`decodePlain\`, one long-lived \`DrainMiner\`) and appended to both stores in one transaction per chunk; record times start at ${timeOf(0)} and advance ${STEP_MS} ms a line, as a live stream's (the last at ${timeOf(r.lines - 1)}), so segments are time-local. Each store has a SQLite file of its own, and SQLite runs in this process (no read threads), so its work is in the figures. The segment store seals segments of at most ${f0(SEGMENT_LINES)} lines as the fill goes (a chunk of ${f0(wholePieceLines(SEGMENT_LINES))} lines or more on its own, smaller ones merged) (every ${f0(SEAL_EVERY)} lines, whole seals only) and to the end after it; its fill figures include sealing (${f0(r.lines / (phases.segmentsSeal.cpu / 1000))} lines/CPU-s of it). Bytes on disk: the file and its WAL after \`pragma wal_checkpoint(TRUNCATE)\`; gzip -6 (node:zlib, one stream) of the same raw text for scale. Queries: the first page of ${PAGE.limit} (\`search\`), and one \`histogram\` of all lines; wall ms over ${RUNS} runs (p99 by nearest rank${RUNS <= 100 ? `, which of ${RUNS} runs is the slowest` : ""}), each store in turn. Cold is a new store object (\`logsTableStore(store)\`, \`segmentLogStore(store)\`) so its in-memory caches (the segment store's parsed indexes and decoded segments) are empty; SQLite's page cache and the OS's file cache stay warm in both. Warm is the same object asking again. The rare number occurs in exactly one line (counted while filling); every answer is compared between the stores. The machine is noisy: read the ratios.

${fillTable}

${queryTable}
${differ.length > 0 ? `\n**Warning: the stores' answers differ for ${differ.map((q) => q.label).join("; ")}.**\n` : ""}
Issue 18's goal: search gets faster than the logs table (met when the segment store's warm p50 is at most the table's):

${goals}

${newNumbersParagraph(r.newNumbers, ms)}
`;

  console.log(md);
  const sec = (t: Spent) => `${(t.wall / 1000).toFixed(1)} s wall, ${(t.cpu / 1000).toFixed(1)} s CPU`;
  console.log(
    [
      "Phases:",
      `  finding the rare number (first half of the corpus, made only): ${sec(phases.findRare)}`,
      `  making and mining the corpus: ${sec(phases.mine)}`,
      `  gzip -6: ${sec(phases.gzip)}`,
      `  logs table appends: ${sec(phases.tableAppend)}`,
      `  segment appends: ${sec(phases.segmentsAppend)}`,
      `  sealing: ${sec(phases.segmentsSeal)}`,
      `  checkpoints: ${sec(phases.checkpoint)}`,
      `  queries: ${sec(phases.queries)}`,
      `  total: ${elapsed()}, peak RSS ${(process.resourceUsage().maxRSS / 2 ** 10).toFixed(0)} MiB`,
    ].join("\n"),
  );
  if (differ.length > 0)
    console.error(
      `\n!!!!!!!! WARNING: the stores' answers DIFFER for ${differ.length} queries (see above) !!!!!!!!\n`,
    );
  // Another size writes a section of its own beside the default's (issue 50 asks for 1M and 10M).
  if (WRITE) writeBenchSection(LINES === DEFAULT_LINES ? "search" : `search-${LINES}`, md);
  else console.error("docs/benchmarks.md left alone (not the default --lines; --write to write it)");
}
