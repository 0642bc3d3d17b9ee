/**
 * src/runtime/: the composition root (issue 51 item 3), apart from the use-cases in src/service/. What
 * builds and starts a running Logwarden from its config: the store, migrated, and the log store with its
 * sealing and retention (open-log-store.ts); the pipeline, a cluster node's partitions (the one importer of
 * src/distribution/ that runs it), the scorer, the analysis engine and triage, into a `Runtime`
 * (`createRuntime`, here); the sources and sinks `serve` runs beside HTTP (integrations.ts,
 * source-runner.ts); `serve`'s detector timers (detector-schedule.ts); `logwarden worker triage`
 * (triage-worker.ts). The doors call it (src/cli); the use-cases never do: they take the `Runtime` it
 * builds, a type (src/service/runtime.ts).
 */
import { execFileSync } from "node:child_process";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import { type Clock, systemClock } from "../core/clock.js";
import { UserError } from "../core/errors.js";
import { isoUtc } from "../core/time.js";
import { createProcessor } from "../pipeline/create-processor.js";
import { IngestPipeline } from "../pipeline/ingest-pipeline.js";
import type { IngestPort } from "../pipeline/ingest-port.js";
import { AnalysisEngine } from "../service/analysis-engine.js";
import { IdempotentRequests } from "../service/idempotent-requests.js";
import type { Runtime } from "../service/runtime.js";
import { ONLINE_MODEL } from "../service/score-model.js";
import { restoreSigmaRuleSettings } from "../service/sigma-rules.js";
import { loadCurrentScoreModel } from "../service/train.js";
import { openConfiguredStore, type Store } from "../store/db.js";
import type { ServerPresence } from "../store/repos/server-presence.js";
import { createTriage } from "../triage/create.js";
import { openLogStore } from "./open-log-store.js";
import { runningServer } from "./server-presence.js";

/** The configured store, migrated (closed again when migrating fails). */
export async function openMigratedStore(config: Config, log: Logger): Promise<Store> {
  const store = openConfiguredStore(config);
  try {
    const applied = await store.migrate();
    if (applied.length > 0) log.info({ migrations: applied, store: store.location }, "database migrated");
    return store;
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * How a runtime shares its store. `yieldToServer`: when a `serve` is running on it (`runningServer`),
 * this process only reads beside it (`Runtime.besideServer`): no pipeline restored or saved, no sealing
 * or retention, no triage consumers, no cluster partitions, and every submission refused with 409 naming
 * the server, so two pipelines never write one store's detector state and alerts.
 */
export interface RuntimeRole {
  yieldToServer?: boolean;
}

/** Composition root: config → store (migrated) → processor → pipeline (state restored). */
export async function createRuntime(
  config: Config,
  log: Logger,
  clock: Clock = systemClock,
  { yieldToServer = false }: RuntimeRole = {},
): Promise<Runtime> {
  const store = await openMigratedStore(config, log);
  const besideServer = yieldToServer
    ? ((await runningServer(store, clock).catch(async (error: unknown) => {
        await store.close();
        throw error;
      })) ?? undefined)
    : undefined;
  const reader = besideServer !== undefined;
  const opened = await openLogStore(config, store, log, { upkeep: !reader }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  const logs = opened.logs;
  const pipeline = new IngestPipeline(
    store,
    createProcessor(config, clock),
    clock,
    log,
    {
      queueRecords: config.ingest.queueRecords,
      queueMaxWaitSecs: config.ingest.queueMaxWaitSecs,
      batchSize: config.ingest.batchSize,
      stateSaveIntervalMs: config.ingest.stateSaveSecs * 1000,
    },
    logs,
  );
  // The Sigma rules switched off stay off from the first record on (before any replay of the queue).
  await restoreSigmaRuleSettings(store, pipeline).catch(async (error: unknown) => {
    await opened.stop();
    await store.close();
    throw error;
  });
  if (!reader) await pipeline.start();
  const cluster =
    !reader && config.cluster.partitions > 0
      ? // The distribution layer (and amqplib with it) loads only on a cluster node: one node never needs it.
        await import("../distribution/cluster-ingest.js")
          .then(({ startClusterIngest }) => startClusterIngest(config, store, logs, pipeline, clock, log))
          .catch(async (error: unknown) => {
            await opened.stop();
            await store.close();
            throw error;
          })
      : undefined;
  const scoreModel = await loadCurrentScoreModel(store).catch((error: unknown) => {
    log.error({ err: error }, "stored scoring model is unreadable; using the online score");
    return ONLINE_MODEL;
  });
  const analysis = new AnalysisEngine(config, clock, log);
  await analysis.autoLoad();
  const triage = reader
    ? await createTriage({ ...config, triage: { ...config.triage, enabled: false } }, store, null, clock, log)
    : await createTriage(config, store, pipeline, clock, log);
  const idempotency = new IdempotentRequests(
    store,
    clock,
    config.ingest.idempotencyHours * 3_600_000,
    cluster !== undefined,
  );
  if (!reader)
    idempotency.startSweeping((error) =>
      log.warn({ err: error }, "forgetting expired Idempotency-Keys failed"),
    );
  let closing: Promise<void> | undefined;
  return {
    config,
    store,
    logs,
    pipeline,
    ingest: besideServer ? refusingIngest(besideServer) : (cluster?.publisher ?? pipeline),
    idempotency,
    cluster,
    ...(besideServer ? { besideServer } : {}),
    clock,
    log,
    startedAt: isoUtc(clock.now()),
    gitCommit: config.gitCommit ?? readGitCommit(),
    scoreModel,
    analysis,
    triage: triage.triage,
    close() {
      closing ??= (async () => {
        // Keyed requests under way record their answers while the store is still open.
        await idempotency.stop();
        // A cluster node stops taking records, then hands its partitions back drained and saved.
        await cluster?.stop();
        if (!reader) await pipeline.stop();
        await opened.stop();
        await triage.close();
        // The last state saves left the rows they replaced as free pages: the file keeps none at rest.
        if (!reader)
          await store.dialect.releaseFreePages(store.db).catch((error: unknown) => {
            log.warn({ err: error }, "could not give the store's free pages back at stop");
          });
        await store.close();
      })();
      return closing;
    },
  };
}

/**
 * The deployed commit (contracts §5.2 `/meta.git`): from the repository when there is one. Read once a
 * process: `git` as a child process cost about 50 ms a runtime, and the checkout does not change under a
 * running process (a test process builds hundreds of runtimes).
 */
let gitCommit: string | null | undefined;
function readGitCommit(): string | null {
  if (gitCommit === undefined) gitCommit = gitHead();
  return gitCommit;
}

function gitHead(): string | null {
  try {
    const out = execFileSync("git", ["rev-parse", "HEAD"], {
      cwd: new URL("../..", import.meta.url),
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 2_000,
    });
    const sha = out.toString().trim();
    return /^[0-9a-f]{40}$/.test(sha) ? sha : null;
  } catch {
    return null;
  }
}

/** The ingest of a reader beside a running server: every submission refused, naming the server. */
function refusingIngest(server: ServerPresence): IngestPort {
  const refusal = () =>
    new UserError(
      `a Logwarden server (pid ${server.pid} on ${server.host}, port ${server.port}) is running on this store; ` +
        "send logs to it (POST /ingest, or its /mcp): this process only reads, so two pipelines never write one store",
      "conflict",
      409,
    );
  return {
    submit: () => Promise.reject(refusal()),
    refusal: () => null,
    accepting: false,
    depth: 0,
    stats: { rejectedSubmissions: 0 },
  };
}
