import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { DAY_MS } from "../core/time.js";
import type { HasuraDb } from "./tables.js";

export interface RetentionDays {
  historical: number;
  anomaly: number;
  model: number;
}

/** The summary the original's cleanup command printed (contract §4.11). */
export interface CleanupSummary {
  historical_records_removed: number;
  anomaly_records_removed: number;
  models_removed: number;
  files_removed: number;
  retention_periods: { historical_days: number; anomaly_days: number; model_days: number };
}

/** Deletes what is past retention, children before parents (the original violated its foreign keys). */
export async function cleanup(
  db: HasuraDb,
  days: RetentionDays,
  nowMs: number,
  storagePath: string | null,
): Promise<CleanupSummary & { removedModelIds: string[] }> {
  const cutoff = (d: number) => new Date(nowMs - d * DAY_MS).toISOString();
  const summary = await db.transaction().execute(async (tx) => {
    const oldHistories = tx
      .selectFrom("historical_data")
      .select("id")
      .where("last_updated", "<", cutoff(days.historical));
    const records = await tx
      .deleteFrom("historical_records")
      .where("historical_data_id", "in", oldHistories)
      .executeTakeFirst();
    await tx.deleteFrom("historical_data").where("last_updated", "<", cutoff(days.historical)).execute();

    const oldAnalyses = tx
      .selectFrom("anomaly_analyses")
      .select("id")
      .where("timestamp", "<", cutoff(days.anomaly));
    const oldRecords = tx.selectFrom("anomaly_records").select("id").where("analysis_id", "in", oldAnalyses);
    const oldStats = tx.selectFrom("field_statistics").select("id").where("record_id", "in", oldRecords);
    await tx.deleteFrom("value_distributions").where("field_statistic_id", "in", oldStats).execute();
    await tx.deleteFrom("field_statistics").where("record_id", "in", oldRecords).execute();
    for (const table of [
      "anomaly_records",
      "statistical_flags",
      "query_concerns",
      "recommendations",
    ] as const) {
      await tx.deleteFrom(table).where("analysis_id", "in", oldAnalyses).execute();
    }
    const analyses = await tx
      .deleteFrom("anomaly_analyses")
      .where("timestamp", "<", cutoff(days.anomaly))
      .executeTakeFirst();

    const expired = await tx
      .selectFrom("trained_models")
      .select("query_id")
      .where("last_updated", "<", cutoff(days.model))
      .execute();
    const models = await tx
      .deleteFrom("trained_models")
      .where("last_updated", "<", cutoff(days.model))
      .executeTakeFirst();
    return {
      historical_records_removed: Number(records.numDeletedRows),
      anomaly_records_removed: Number(analyses.numDeletedRows),
      models_removed: Number(models.numDeletedRows),
      removedModelIds: expired.map((r) => r.query_id),
    };
  });
  const files = storagePath
    ? await removeOldFiles(join(storagePath, "anomalies"), nowMs - days.anomaly * DAY_MS)
    : 0;
  return {
    ...summary,
    files_removed: files,
    retention_periods: {
      historical_days: days.historical,
      anomaly_days: days.anomaly,
      model_days: days.model,
    },
  };
}

/** Anomaly files older than the anomaly retention (by modification time); a missing folder is fine. */
async function removeOldFiles(dir: string, before: number): Promise<number> {
  let removed = 0;
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) removed += await removeOldFiles(path, before);
    else if (entry.isFile() && entry.name.endsWith(".json") && (await stat(path)).mtimeMs < before) {
      await rm(path, { force: true });
      removed += 1;
    }
  }
  return removed;
}
