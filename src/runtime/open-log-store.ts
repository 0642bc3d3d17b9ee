import type { Logger } from "pino";
import { ConfigError } from "../config/load.js";
import type { Config } from "../config/schema.js";
import type { LogStore } from "../core/log-store.js";
import { configuredSegmentStore } from "../store/configured-log-store.js";
import { databaseUrlFor, type Store, type StoreTransaction } from "../store/db.js";
import { recordLogEngine, resolveLogEngine } from "../store/log-store-engine.js";
import { logsTableStore } from "../store/logs-table-store.js";
import { deleteLogsBefore } from "../store/repos/log-retention.js";
import { countLogs } from "../store/repos/logs.js";
import { SegmentBuildThread } from "../store/segments/build-thread.js";
import { readingOnThreads, SegmentReadThreads } from "../store/segments/read-threads.js";
import { type SealReport, sealUntilStopped } from "../store/segments/seal-loop.js";
import { startSealThread } from "../store/segments/seal-thread.js";
import type { SegmentStorageSettings } from "../store/segments/segment-bytes.js";
import type { SegmentLogStore } from "../store/segments/segment-log-store.js";
import { segmentBytesFor } from "../store/segments/segment-storage.js";
import { convertLogsTable, segmentsInUse } from "../store/segments/table-conversion.js";

/** The configured log store, ready for the pipeline, and what keeps it in shape while it runs. */
export interface OpenedLogStore {
  logs: LogStore<StoreTransaction>;
  /** Stops the background sealing and retention sweeps, waiting for one under way. */
  stop(): Promise<void>;
}

/** How often the sealer looks whether a seal is due. */
const SEAL_CHECK_MS = 1_000;

/**
 * The store the database serves (`resolveLogEngine`: `LOG_STORE` when set, else the one the database
 * recorded, `segments` for a new one and `table` for one that held the table before segments became the
 * default), recorded again for the next start. `table` keeps the `logs` table, and refuses a database whose
 * lines are in segments (its references continue above the table's ids, so the table cannot take over).
 * `segments` first moves any lines the table holds into segments (logging its progress), then seals
 * appended batches in the background.
 */
export async function openLogStore(
  config: Config,
  store: Store,
  log: Logger,
  /** false: a reader beside a running server, which seals (and sweeps) for the store itself. */
  { upkeep = true }: { upkeep?: boolean } = {},
): Promise<OpenedLogStore> {
  const options = config.logStore;
  // A reader sweeps nothing: retention off is a retention of 0 days.
  const retentionDays = upkeep ? options.retentionDays : 0;
  const engine = await resolveLogEngine(store, options.engine);
  if (engine === "table") {
    if (await segmentsInUse(store))
      throw new ConfigError([
        `LOG_STORE=table: ${store.location} keeps its log lines in segments (it ran with LOG_STORE=segments, ` +
          "and the conversion is one way); start with LOG_STORE=segments or without LOG_STORE",
      ]);
    if (upkeep) await recordLogEngine(store.db, "table");
    if (options.engine === undefined)
      log.info(
        "log store: the logs table, as this database recorded (it held the table before segments became " +
          "the default, or a start chose LOG_STORE=table); LOG_STORE=segments converts it, one way",
      );
    const stopRetention = startRetention(retentionDays, (time) => deleteLogsBefore(store, time), log);
    return { logs: logsTableStore(store), stop: stopRetention };
  }
  // A bucket that does not answer stops the start, as PostgreSQL does, rather than every seal failing.
  await segmentBytesFor(options).probe();
  const total = upkeep ? await countLogs(store.db) : 0;
  if (total > 0) {
    log.info({ lines: total }, "log store: moving the logs table's lines into segments (LOG_STORE=segments)");
    let lastLogged = Date.now();
    const done = await convertLogsTable(store, {
      segmentLines: options.segmentLines,
      bytes: segmentBytesFor(options),
      total,
      onProgress: (p) => {
        if (Date.now() - lastLogged < 5_000) return;
        lastLogged = Date.now();
        log.info(
          { converted: p.converted, total: p.total, percent: Math.floor((100 * p.converted) / p.total) },
          "log store: converting",
        );
      },
    });
    log.info({ converted: done.converted }, "log store: the logs table's lines are in segments");
  }
  if (upkeep) await recordLogEngine(store.db, "segments");
  // Batch rows are built (columns, compression) on a thread of their own; on this one if it fails.
  const build = new SegmentBuildThread((error) =>
    log.error(
      { err: error },
      "log store: the build thread stopped; building batches on the main thread instead",
    ),
  );
  const appending = configuredSegmentStore(store, options, build);
  const sealing = sealingOnDemand(config, store, appending, log);
  const local = withFirstAppend(appending, sealing.start);
  // Batches left unsealed by an earlier run are sealed now; on PostgreSQL, other nodes append to the same
  // tables, so this node seals whether or not it appends. A reader never seals: the server does.
  if (!upkeep) await sealing.stop();
  else if (store.dialect.name === "postgres" || (await appending.sealingStats()).unsealedLines > 0)
    sealing.start();
  const threads = startReadThreads(config, log);
  const logs = threads ? readingOnThreads(local, threads) : local;
  const stopRetention = startRetention(retentionDays, (time) => local.dropBefore(time), log);
  return {
    logs,
    async stop() {
      await stopRetention();
      await sealing.stop();
      await build.stop();
      await threads?.close();
    },
  };
}

/** The segment storage settings a thread is started with (plain data: `S3_*` and `SEGMENT_STORAGE`). */
function storageOf(config: Config): SegmentStorageSettings {
  return { segmentStorage: config.logStore.segmentStorage, s3: config.logStore.s3 };
}

/** How far below the process's priority read threads run, as the SQLite read threads do. */
const READ_THREAD_NICE = 10;

/**
 * Threads for the segment store's scans (`LOG_READ_THREADS`), or null for none: 0 asked, or an
 * in-memory SQLite database, which no other connection can open.
 */
function startReadThreads(config: Config, log: Logger): SegmentReadThreads | null {
  const url = databaseUrlFor(config);
  if (config.logStore.readThreads <= 0 || url === ":memory:" || url === "") return null;
  return new SegmentReadThreads(
    { url, sqliteCacheMb: config.sqliteCacheMb, nice: READ_THREAD_NICE, segmentStorage: storageOf(config) },
    config.logStore.readThreads,
    (error) =>
      log.error(
        { err: error },
        "log store: the read threads cannot start; searching on the main thread instead",
      ),
  );
}

/** How often retention looks for lines past `LOG_RETENTION_DAYS`. */
const RETENTION_CHECK_MS = 10 * 60_000;

/**
 * Drops what is older than `days` days at start and every `RETENTION_CHECK_MS` after (nothing when
 * `days` is 0), logging what went. A failed sweep is logged and tried at the next check.
 */
function startRetention(
  days: number,
  dropBefore: (time: string) => Promise<unknown>,
  log: Logger,
): () => Promise<void> {
  if (days <= 0) return async () => {};
  let running: Promise<void> = Promise.resolve();
  const sweep = () => {
    const cutoff = new Date(Date.now() - days * 86_400_000).toISOString();
    running = dropBefore(cutoff).then(
      (dropped) => log.info({ before: cutoff, dropped }, "log store: retention sweep"),
      (error: unknown) => log.error({ err: error, before: cutoff }, "log store: retention sweep failed"),
    );
  };
  sweep();
  const timer = setInterval(() => {
    void running.then(sweep);
  }, RETENTION_CHECK_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}

/**
 * `logs`, calling `onAppend` (which must be cheap after its first call) before each append: the sealing
 * thread starts with the first batch, so a process that only reads (the CLI's reading commands, MCP on its
 * own, a test's runtime) never pays its start, about 0.3 s of CPU loading its modules and opening its
 * connection.
 */
function withFirstAppend(logs: SegmentLogStore, onAppend: () => void): SegmentLogStore {
  return {
    ...logs,
    append(tx, records, storedAt) {
      onAppend();
      return logs.append(tx, records, storedAt);
    },
    openAppend(tx, count, storedAt, firstRef) {
      onAppend();
      return logs.openAppend(tx, count, storedAt, firstRef);
    },
  };
}

/**
 * The sealing of `startSealing`, started when first asked (asking again does nothing); `stop` stops it if
 * it ever started, and from then on asking starts nothing.
 */
function sealingOnDemand(
  config: Config,
  store: Store,
  logs: SegmentLogStore,
  log: Logger,
): { start: () => void; stop: () => Promise<void> } {
  let stop: (() => Promise<void>) | undefined;
  let stopped = false;
  return {
    start: () => {
      if (!stop && !stopped) stop = startSealing(config, store, logs, log);
    },
    stop: async () => {
      stopped = true;
      await stop?.();
    },
  };
}

/**
 * Seals on a thread of its own (src/store/segments/seal-thread.ts); if that thread cannot run, on this
 * one (`sealUntilStopped` on the event loop, its compression on libuv's pool), logged, so lines are never
 * left unsealed.
 */
function startSealing(config: Config, store: Store, logs: SegmentLogStore, log: Logger): () => Promise<void> {
  const report = (r: SealReport) => {
    if (r.type === "sealed") log.debug(r, "log store: sealed");
    else if (r.type === "collected")
      log.info(r, "log store: deleted segment objects that no segment names (seals that never committed)");
    else if (r.type === "collect-failed")
      log.error({ err: r.message }, "log store: collecting orphan segment objects failed; tried again later");
    else log.error({ err: r.message }, "log store: sealing failed; the batches stay and are sealed later");
  };
  const fallback = new AbortController();
  let fallbackRun: Promise<void> | undefined;
  const thread = startSealThread(
    {
      store: {
        databaseUrl: config.databaseUrl,
        sqliteDbPath: config.sqliteDbPath,
        dataDir: config.dataDir,
        sqliteCacheMb: config.sqliteCacheMb,
        // Without turns, the thread's seals waited up to seconds for the lock between ingest batches.
        sqliteWriteTurns: store.dialect.writeTurns,
      },
      segmentLines: config.logStore.segmentLines,
      sealAfterSeconds: config.logStore.sealAfterSecs,
      checkMs: SEAL_CHECK_MS,
      segmentStorage: storageOf(config),
    },
    (m) => {
      if (m.type !== "stopped") report(m);
    },
    (error) => {
      log.error({ err: error }, "log store: the sealing thread stopped; sealing on the main thread instead");
      fallbackRun ??= sealUntilStopped(logs, SEAL_CHECK_MS, fallback.signal, report);
    },
  );
  return async () => {
    await thread.stop();
    fallback.abort();
    await fallbackRun;
  };
}
