import type { Kysely, Migration, MigrationProvider } from "kysely";
import * as initial from "./001-initial.js";
import * as apiTokens from "./002-api-tokens.js";
import * as anomalyListIndexes from "./003-anomaly-list-indexes.js";
import * as deliveries from "./004-deliveries.js";
import * as hasuraPlugin from "./005-hasura-plugin.js";
import * as verdicts from "./006-verdicts.js";
import * as triage from "./007-triage.js";
import * as logFulltext from "./008-log-fulltext.js";
import * as changeVersions from "./009-change-versions.js";
import * as suppressionCeiling from "./010-suppression-ceiling.js";
import * as alertReview from "./011-alert-review.js";
import * as anomalyEntityIndex from "./012-anomaly-entity-index.js";
import * as partitionStateSubmissions from "./013-partition-state-submissions.js";
import * as logSearchWords from "./014-log-search-words.js";
import * as anomalySinksQueued from "./015-anomaly-sinks-queued.js";
import * as logSegments from "./016-log-segments.js";
import * as alertsWaitingIndex from "./017-alerts-waiting-index.js";
import * as clusterPartitions from "./018-cluster-partitions.js";
import * as logSegmentsVersion from "./019-log-segments-version.js";
import * as logBatchesVersion from "./020-log-batches-version.js";
import * as logSegmentDigits from "./021-log-segment-digits.js";
import * as logStoreDefault from "./022-log-store-default.js";
import * as partitionStatePacked from "./023-partition-state-packed.js";
import * as idempotencyKeys from "./024-idempotency-keys.js";
import * as clusterEntityOutbox from "./025-cluster-entity-outbox.js";
import * as clusterNodeSettings from "./026-cluster-node-settings.js";
import * as logSegmentObjects from "./027-log-segment-objects.js";

type Dialect = "sqlite" | "postgres";
type Step = { up(db: Kysely<unknown>, dialect: Dialect): Promise<void> };

/** Every migration, in order. Add a file `NNN-name.ts` and one line here. */
const STEPS: [string, Step][] = [
  ["001-initial", initial],
  ["002-api-tokens", apiTokens],
  ["003-anomaly-list-indexes", anomalyListIndexes],
  ["004-deliveries", deliveries],
  ["005-hasura-plugin", hasuraPlugin],
  ["006-verdicts", verdicts],
  ["007-triage", triage],
  ["008-log-fulltext", logFulltext],
  ["009-change-versions", changeVersions],
  ["010-suppression-ceiling", suppressionCeiling],
  ["011-alert-review", alertReview],
  ["012-anomaly-entity-index", anomalyEntityIndex],
  ["013-partition-state-submissions", partitionStateSubmissions],
  ["014-log-search-words", logSearchWords],
  ["015-anomaly-sinks-queued", anomalySinksQueued],
  ["016-log-segments", logSegments],
  ["017-alerts-waiting-index", alertsWaitingIndex],
  ["018-cluster-partitions", clusterPartitions],
  ["019-log-segments-version", logSegmentsVersion],
  ["020-log-batches-version", logBatchesVersion],
  ["021-log-segment-digits", logSegmentDigits],
  ["022-log-store-default", logStoreDefault],
  ["023-partition-state-packed", partitionStatePacked],
  ["024-idempotency-keys", idempotencyKeys],
  ["025-cluster-entity-outbox", clusterEntityOutbox],
  ["026-cluster-node-settings", clusterNodeSettings],
  ["027-log-segment-objects", logSegmentObjects],
];

/** Kysely migrations bound to a dialect, so one migration file can cover both databases' differences. */
export function migrationProvider(dialect: Dialect): MigrationProvider {
  return {
    async getMigrations(): Promise<Record<string, Migration>> {
      return Object.fromEntries(STEPS.map(([name, step]) => [name, { up: (db) => step.up(db, dialect) }]));
    },
  };
}
