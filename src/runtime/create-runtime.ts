import { execFileSync } from "node:child_process";
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import { type Clock, systemClock } from "../core/clock.js";
import type { LogStore } from "../core/log-store.js";
import { isoUtc } from "../core/time.js";
import { type ClusterIngest, startClusterIngest } from "../distribution/cluster-ingest.js";
import { createProcessor } from "../pipeline/create-processor.js";
import { IngestPipeline } from "../pipeline/ingest-pipeline.js";
import type { IngestPort } from "../pipeline/ingest-port.js";
import { openConfiguredStore, type Store, type StoreTransaction } from "../store/db.js";
import { createTriage } from "../triage/create.js";
import type { TriageService } from "../triage/service.js";
import { AnalysisEngine } from "./analysis-engine.js";
import { openLogStore } from "./open-log-store.js";
import { ONLINE_MODEL, type ScoreModel } from "./score-model.js";
import { loadCurrentScoreModel } from "./train.js";

export { createProcessor };

/** Everything a running Logwarden shares between its API, MCP server and CLI commands. */
export interface Runtime {
  readonly config: Config;
  readonly store: Store;
  /** Where records are kept: every door's search and evidence look-up goes through it. */
  readonly logs: LogStore<StoreTransaction>;
  /** This process's own pipeline: what it mines and detects (on a cluster node, the partitions do that). */
  readonly pipeline: IngestPipeline;
  /** Where every door hands records: `pipeline`, or on a cluster node the hand-off to the partitions' owners. */
  readonly ingest: IngestPort;
  /** Set on a cluster node (CLUSTER_PARTITIONS > 0): the hand-off and its share of the partitions. */
  readonly cluster: ClusterIngest | undefined;
  readonly clock: Clock;
  readonly log: Logger;
  readonly startedAt: string;
  readonly gitCommit: string | null;
  /** System 004's scorer: the latest trained model, else the online score (reloadable). */
  scoreModel: ScoreModel;
  /** System 002's analysis: MODEL_DIR models and in-memory detection (REST and MCP). */
  readonly analysis: AnalysisEngine;
  /** System 001: security alert triage (src/triage/, docs/triage.md). */
  readonly triage: TriageService;
  /** Drains the pipeline, saves state, closes the store. */
  close(): Promise<void>;
}

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

/** Composition root: config → store (migrated) → processor → pipeline (state restored). */
export async function createRuntime(
  config: Config,
  log: Logger,
  clock: Clock = systemClock,
): Promise<Runtime> {
  const store = await openMigratedStore(config, log);
  const opened = await openLogStore(config, store, log).catch(async (error: unknown) => {
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
  await pipeline.start();
  const cluster =
    config.cluster.partitions > 0
      ? await startClusterIngest(config, store, logs, pipeline, clock, log).catch(async (error: unknown) => {
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
  const triage = await createTriage(config, store, pipeline, clock, log);
  let closing: Promise<void> | undefined;
  return {
    config,
    store,
    logs,
    pipeline,
    ingest: cluster?.publisher ?? pipeline,
    cluster,
    clock,
    log,
    startedAt: isoUtc(clock.now()),
    gitCommit: config.gitCommit ?? readGitCommit(),
    scoreModel,
    analysis,
    triage: triage.triage,
    close() {
      closing ??= (async () => {
        // A cluster node stops taking records, then hands its partitions back drained and saved.
        await cluster?.stop();
        await pipeline.stop();
        await opened.stop();
        await triage.close();
        await store.close();
      })();
      return closing;
    },
  };
}

/** The deployed commit (contracts §5.2 `/meta.git`): from the repository when there is one. */
function readGitCommit(): string | null {
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
