/**
 * The `Runtime` the use-cases and the doors take: a type only. What builds it (opens the stores, starts the
 * pipeline, a cluster node's partitions, triage) is the composition root, `createRuntime` in
 * src/runtime/create-runtime.ts, which no use-case imports.
 */
import type { Logger } from "pino";
import type { Config } from "../config/schema.js";
import type { Clock } from "../core/clock.js";
import type { LogStore } from "../core/log-store.js";
import type { ClusterIngest } from "../distribution/cluster-ingest.js";
import type { IngestPipeline } from "../pipeline/ingest-pipeline.js";
import type { IngestPort } from "../pipeline/ingest-port.js";
import type { Store, StoreTransaction } from "../store/db.js";
import type { ServerPresence } from "../store/repos/server-presence.js";
import type { TriageService } from "../triage/service.js";
import type { AnalysisEngine } from "./analysis-engine.js";
import type { IdempotentRequests } from "./idempotent-requests.js";
import type { ScoreModel } from "./score-model.js";

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
  /** Requests sent with `Idempotency-Key`: stored once and answered like the first, however often sent. */
  readonly idempotency: IdempotentRequests;
  /** Set on a cluster node (CLUSTER_PARTITIONS > 0): the hand-off and its share of the partitions. */
  readonly cluster: ClusterIngest | undefined;
  /**
   * The `serve` running on this store, when this runtime was asked to yield to one and found it: then it
   * only reads (createRuntime's `RuntimeRole`).
   */
  readonly besideServer?: ServerPresence;
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
