/**
 * `npm run bench:store -- --data-dir [--lines 1000000] [--print-only] [--keep <folder>]` (issue 50 item 3, "bytes on disk"):
 * the whole data directory of a real `logwarden serve` (built, default settings, a fresh temporary data
 * dir) after it has ingested N lines of the fresh-valued corpus (every LogHub family in ../shared/datasets,
 * every digit run redrawn per line) as NDJSON bodies of 5,000 lines in system 004's shape, sealed them all
 * and stopped; its WAL checkpointed. Compared with gzip -6 of the messages alone (one stream) and, when
 * Debian's `clickhouse-server` is installed, with ClickHouse's bytes for the same lines measured in the
 * same run. Writes the `store-data-dir` section of docs/benchmarks.md.
 */
import { once } from "node:events";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createGzip } from "node:zlib";
import SQLite from "better-sqlite3";
import { type ClickHouseResult, clickhouseBytes, type LineRow } from "./lib/clickhouse-store.js";
import { checkpointAndBreakdown, filesUnder, GROUPS } from "./lib/data-dir-bytes.js";
import { storedLines } from "./lib/ingest-load.js";
import { INGEST_LINES_PER_REQUEST, ingestBodies, stopServer, withServer } from "./lib/ingest-server.js";
import { fmt, machineLine, table, writeBenchSection } from "./lib/report.js";

const TARGET = 0.7;
const SEAL_LIMIT_SECS = 600;
const CONNECTIONS = 2;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

/** The lines of the bodies, one object each (parsed again on each walk, so they are never all held). */
function* rowsOf(bodies: readonly string[]): Generator<LineRow> {
  for (const body of bodies)
    for (const line of body.split("\n")) {
      if (!line) continue;
      const o = JSON.parse(line) as {
        timestamp: string;
        service: string;
        level: string;
        message: string;
        metadata: unknown;
      };
      yield {
        timestamp: Date.parse(o.timestamp),
        service: o.service,
        host: "",
        level: o.level,
        message: o.message,
        metadata: JSON.stringify(o.metadata),
      };
    }
}

/** Bytes of gzip -6 (node:zlib) of `chunks` written to one stream. */
async function gzipBytes(chunks: Iterable<string>): Promise<number> {
  const gz = createGzip({ level: 6 });
  let n = 0;
  gz.on("data", (b: Buffer) => {
    n += b.length;
  });
  for (const c of chunks) if (!gz.write(c)) await once(gz, "drain");
  gz.end();
  await once(gz, "end");
  return n;
}

function* messageText(bodies: readonly string[]): Generator<string> {
  let first = true;
  let out: string[] = [];
  for (const r of rowsOf(bodies)) {
    out.push(first ? r.message : `\n${r.message}`);
    first = false;
    if (out.length >= 5_000) {
      yield out.join("");
      out = [];
    }
  }
  if (out.length) yield out.join("");
}

/** Posts every body once, on a few connections, again after a short wait when the server says it is full. */
async function sendAll(url: string, bodies: readonly string[]): Promise<void> {
  let next = 0;
  let retries = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const body = bodies[next++]!;
      for (;;) {
        const res = await fetch(`${url}/ingest`, {
          method: "POST",
          headers: { authorization: "Bearer bench-admin", "content-type": "application/x-ndjson" },
          body,
        });
        const text = await res.text();
        if (res.ok) break;
        if (res.status !== 503 && res.status !== 429)
          throw new Error(`ingest: ${res.status} ${text.slice(0, 300)}`);
        retries++;
        await sleep(200);
      }
      if (next % 40 === 0) console.log(`  sent ${fmt(next * INGEST_LINES_PER_REQUEST)} lines`);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  if (retries) console.log(`  (${retries} bodies sent again after a 503/429)`);
}

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

export async function runDataDir(): Promise<void> {
  const printOnly = process.argv.includes("--print-only");
  const wanted = Number(arg("lines", "1000000"));
  const bodies = ingestBodies(Math.ceil(wanted / INGEST_LINES_PER_REQUEST), { corpus: "fresh" });
  const lines = bodies.length * INGEST_LINES_PER_REQUEST;
  const gzMessages = await gzipBytes(messageText(bodies));
  const gzNdjson = await gzipBytes(bodies);
  const rawMessages = [...messageText(bodies)].reduce((a, t) => a + Buffer.byteLength(t), 0);
  console.log(
    `corpus: ${fmt(lines)} lines; gzip -6 of the messages ${fmt(gzMessages)} bytes, of the NDJSON ${fmt(gzNdjson)}`,
  );

  const scratch = mkdtempSync(join(tmpdir(), "logwarden-bench-scratch-"));
  const lw = await withServer("store-data-dir", {}, async (server) => {
    const t0 = performance.now();
    await sendAll(server.url, bodies);
    const sendSecs = (performance.now() - t0) / 1000;
    const db = new SQLite(join(server.dataDir, "logwarden.db"), { readonly: true });
    let s = storedLines(db, "segments");
    const t1 = performance.now();
    while ((s.stored < lines || s.unsealed > 0) && performance.now() - t1 < SEAL_LIMIT_SECS * 1000) {
      await sleep(1000);
      s = storedLines(db, "segments");
    }
    db.close();
    const sealSecs = (performance.now() - t1) / 1000;
    console.log(
      `  sent in ${fmt(sendSecs, 1)} s; stored ${fmt(s.stored)}, unsealed ${fmt(s.unsealed)} after ${fmt(sealSecs, 1)} s more`,
    );
    if (s.stored !== lines || s.unsealed !== 0) throw new Error(`not all sealed: ${JSON.stringify(s)}`);
    await stopServer(server.child);
    const beforeCheckpoint = filesUnder(server.dataDir).reduce((a, f) => a + f.bytes, 0);
    const db2 = checkpointAndBreakdown(join(server.dataDir, "logwarden.db"), scratch);
    const files = filesUnder(server.dataDir).sort((a, b) => b.bytes - a.bytes);
    // `--keep <folder>`: a copy of the measured data dir, for experiments on it.
    const keep = arg("keep", "");
    if (keep) cpSync(server.dataDir, keep, { recursive: true });
    return {
      sendSecs,
      sealSecs,
      beforeCheckpoint,
      db: db2,
      files,
      total: files.reduce((a, f) => a + f.bytes, 0),
    };
  });
  rmSync(scratch, { recursive: true, force: true });

  console.log("clickhouse: loading the same lines …");
  const ch: ClickHouseResult = await clickhouseBytes(() => rowsOf(bodies));
  if ("skipped" in ch) console.log(`clickhouse skipped: ${ch.skipped}`);
  // The same table ordered by time alone: each family's run of a round stays together, but the same
  // family's next round (whose short digit runs repeat) is then 20,000 lines on, out of zstd's block.
  const chByTime = "skipped" in ch ? ch : await clickhouseBytes(() => rowsOf(bodies), 100_000, "timestamp");

  const per = (n: number) => fmt(n / lines, 1);
  const x = (n: number) => `${(n / gzMessages).toFixed(3)}×`;
  const ratio = lw.total / gzMessages;
  const met = ratio <= TARGET;
  const { db } = lw;
  const dbFile = lw.files.find((f) => f.path === "logwarden.db")?.bytes ?? 0;
  // The lines themselves: every block of the segments but the digit filter (`index` holds the wildcards'
  // value dictionaries and the verbatim messages: data, not only an index).
  const lineBytes = Object.entries(db.segmentBlocks).reduce((a, [b, n]) => (b === "digits" ? a : a + n), 0);
  const md = [
    "## Bytes on disk: the whole data dir against gzip and ClickHouse (`npm run bench:store -- --data-dir`)",
    "",
    machineLine(),
    "",
    `Issue 50 item 3. Corpus: ${fmt(lines)} lines of every LogHub family in ../shared/datasets with every digit run redrawn per line (\`nonRepeatingRawLines\`, bench:ingest's \`fresh\` corpus), ` +
      `${mib(rawMessages)} of message text, sent once each as ${bodies.length} NDJSON bodies of ${fmt(INGEST_LINES_PER_REQUEST)} lines in system 004's shape ` +
      `(timestamp 10 ms apart, service = the family, level, message, metadata \`{"n":…}\`) on ${CONNECTIONS} connections to the built \`logwarden serve\` ` +
      `(default settings: the segment store, \`LOG_SEGMENT_LINES\` 16,384, a fresh temporary data dir). Sent in ${fmt(lw.sendSecs, 1)} s; the bench then waited until every line was stored and none was left in batches ` +
      `(${fmt(lw.sealSecs, 1)} s more; ${fmt(db.segments)} segments of ${fmt(db.segmentLines / Math.max(1, db.segments))} lines on average: a batch of 4,096 lines or more is sealed whole, as its own segment), stopped the server with SIGTERM, ran \`pragma wal_checkpoint(TRUNCATE)\` on the file ` +
      "and counted **every file under the data dir**, recursively (the SQLite file with segments, their indexes, templates, anomalies and detector state, and anything else there). " +
      `Before the checkpoint the dir held ${mib(lw.beforeCheckpoint)}. Baseline: gzip -6 (node:zlib, one stream) of the messages alone joined with "\\n": ${mib(gzMessages)} (${per(gzMessages)} bytes/line); of the whole NDJSON: ${mib(gzNdjson)}.`,
    "",
    table(
      ["what", "bytes", "bytes/line", "× gzip -6 of the messages"],
      [
        ["**Logwarden: whole data dir**", fmt(lw.total), per(lw.total), `**${x(lw.total)}**`],
        [
          "Logwarden: the same, vacuumed (`VACUUM INTO`, no free pages)",
          fmt(lw.total - dbFile + db.vacuumedBytes),
          per(lw.total - dbFile + db.vacuumedBytes),
          x(lw.total - dbFile + db.vacuumedBytes),
        ],
        ...("skipped" in ch
          ? [["ClickHouse", "skipped", "", ch.skipped]]
          : [
              [
                `ClickHouse ${ch.version}: active parts' bytes_on_disk`,
                fmt(ch.bytesOnDisk),
                per(ch.bytesOnDisk),
                x(ch.bytesOnDisk),
              ],
              ...("skipped" in chByTime
                ? []
                : [
                    [
                      "ClickHouse: the same, `ORDER BY timestamp` (the corpus's round repeats out of reach)",
                      fmt(chByTime.bytesOnDisk),
                      per(chByTime.bytesOnDisk),
                      x(chByTime.bytesOnDisk),
                    ],
                  ]),
              ...(ch.tableDirBytes === ch.bytesOnDisk
                ? []
                : [
                    [
                      "ClickHouse: every file of its active parts",
                      fmt(ch.tableDirBytes),
                      per(ch.tableDirBytes),
                      x(ch.tableDirBytes),
                    ],
                  ]),
            ]),
        ["gzip -6 of the messages", fmt(gzMessages), per(gzMessages), "1.000×"],
        ["gzip -6 of the NDJSON bodies", fmt(gzNdjson), per(gzNdjson), x(gzNdjson)],
      ],
    ),
    "",
    `**Target ≤ ${TARGET}× gzip -6 of the messages for the whole data dir: ${met ? "met" : "not met"}** (${ratio.toFixed(3)}×).`,
    "",
    ...("skipped" in ch
      ? [`ClickHouse: skipped (${ch.skipped}).`]
      : [
          `ClickHouse ${ch.version} (Debian's \`clickhouse-server\`, started by the bench on a temporary folder): the same ${fmt(ch.rows)} lines, inserted over HTTP as JSONEachRow in batches of 100,000 into ` +
            "`MergeTree() ORDER BY (service, timestamp)` with columns timestamp Int64 (ms; 18.16 has no DateTime64), service, host (empty: the bodies carry none), level, message, metadata (all String; 18.16 has no column CODECs and LowCardinality is experimental), " +
            `zstd for every part (the server config's \`<compression>\`), then \`OPTIMIZE TABLE … FINAL\` (${ch.parts} active part${ch.parts === 1 ? "" : "s"}). Compressed bytes by column: ` +
            ch.byColumn.map((c) => `${c.column} ${per(c.bytes)}`).join(", ") +
            ` bytes/line. Ordered by service, a family's lines one round (2,000 of its lines, about 250 KiB) apart fall in the same zstd block (up to 1 MiB), so ClickHouse still sees the lines the corpus repeats by nature (those with no digits, or only a short run: about a sixth of a round's lines equal the line one round earlier), which neither gzip's 32 KiB window nor a 5,000-line segment reaches. Until 2026-11-29 the corpus wrote a counter into each digit run, so a run of up to 4 digits came back every round and 72 % of a round's lines repeated the one a round earlier: ClickHouse ordered by service stored that corpus in 0.494× gzip and this data dir in 0.663×. The same table \`ORDER BY timestamp\` keeps each family's 2,000-line run of a round together but puts its next round 20,000 lines on: ${"skipped" in chByTime ? "skipped" : `${fmt(chByTime.bytesOnDisk)} bytes (${x(chByTime.bytesOnDisk)}; message ${per(chByTime.byColumn.find((c) => c.column === "message")?.bytes ?? 0)} bytes/line)`}.`,
        ]),
    "",
    "### Where the bytes are",
    "",
    `SQLite's pages by table and index (\`dbstat\`), grouped; page size ${fmt(db.pageSize)}. The database file is ${fmt(dbFile)} bytes.`,
    "",
    table(
      ["group", "bytes", "bytes/line", "share of the dir", "× gzip of the messages"],
      [
        ...GROUPS.map((g) => [
          g,
          fmt(db.byGroup[g]),
          per(db.byGroup[g]),
          `${((100 * db.byGroup[g]) / lw.total).toFixed(1)}%`,
          x(db.byGroup[g]),
        ]),
        [
          "free pages (`freelist_count`)",
          fmt(db.freeBytes),
          per(db.freeBytes),
          `${((100 * db.freeBytes) / lw.total).toFixed(1)}%`,
          x(db.freeBytes),
        ],
        [
          "files other than logwarden.db",
          fmt(lw.total - dbFile),
          per(lw.total - dbFile),
          `${((100 * (lw.total - dbFile)) / lw.total).toFixed(1)}%`,
          x(lw.total - dbFile),
        ],
      ],
    ),
    "",
    `Inside the ${fmt(db.segments)} segments' blobs (${fmt(db.segmentLines)} lines), by block: ` +
      Object.entries(db.segmentBlocks)
        .map(([b, n]) => `${b} ${fmt(n)} (${per(n)}/line)`)
        .join(", ") +
      `. The log lines themselves (every block but the digit filter; \`index\` holds the wildcards' value dictionaries and the verbatim messages) are ${fmt(lineBytes)} bytes, ${x(lineBytes)} gzip of the messages; everything else in the dir (the digit filters, in \`log_segment_digits\` since 2026-11-29 and no longer also in each blob; page overhead; the other tables; free pages; other files) ${fmt(lw.total - lineBytes)} bytes, ${x(lw.total - lineBytes)}.`,
    "",
    "Largest tables and indexes:",
    "",
    table(
      ["table or index", "of table", "group", "bytes", "bytes/line"],
      db.byName.slice(0, 12).map((r) => [r.name, r.table, r.group, fmt(r.bytes), per(r.bytes)]),
    ),
    "",
    `Files: ${lw.files
      .slice(0, 8)
      .map((f) => `${f.path} ${fmt(f.bytes)}`)
      .join(
        ", ",
      )}${lw.files.length > 8 ? `, and ${lw.files.length - 8} more (${fmt(lw.files.slice(8).reduce((a, f) => a + f.bytes, 0))} bytes)` : ""}.`,
  ].join("\n");
  console.log(`\n${md}`);
  if (!printOnly) writeBenchSection("store-data-dir", md);
}
