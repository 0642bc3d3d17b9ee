import type { Kysely } from "kysely";
import type { Logger } from "pino";
import { saveModel } from "../store/repos/models.js";
import type { Database } from "../store/schema.js";
import { decodeModel, encodeModel, FOREST_PARAMS, type HasuraModel } from "./model.js";
import type { HasuraDb } from "./tables.js";

/** `model_info` of contract §4.10. */
export type ModelInfo =
  | { status: "no_model" }
  | {
      status: "active";
      model_type: "isolation_forest";
      query_hash: string;
      features: number;
      timestamp: string;
    }
  | { status: "error"; error: string };

/** Model kind in the versioned `models` table. */
export const MODEL_KIND = "hasura";

/**
 * Models per query hash: the contract's one `trained_models` row per hash (updated in place, what
 * other tools read), an in-memory cache, and a version row in Logwarden's `models` table per save
 * (training size, features, time, threshold). The version row points at `trained_models` rather than
 * copying a forest of a few megabytes ten times over.
 */
export class ModelStore {
  readonly #cache = new Map<string, HasuraModel | null>();

  constructor(
    private readonly db: HasuraDb,
    private readonly log: Pick<Logger, "warn">,
  ) {}

  async get(queryId: string): Promise<HasuraModel | null> {
    if (this.#cache.has(queryId)) return this.#cache.get(queryId)!;
    const row = await this.db
      .selectFrom("trained_models")
      .select(["model_data"])
      .where("query_id", "=", queryId)
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirst();
    const model = row ? decodeModel(row.model_data) : null;
    if (row && !model)
      this.log.warn({ query_hash: queryId }, "stored model is unreadable; it will be retrained");
    this.#cache.set(queryId, model);
    return model;
  }

  async save(
    queryId: string,
    model: HasuraModel,
    featureNames: readonly string[],
    now: string,
  ): Promise<void> {
    const bytes = encodeModel(model);
    await this.db.transaction().execute(async (tx) => {
      const updated = await tx
        .updateTable("trained_models")
        .set({
          model_data: bytes,
          features_count: model.numFeatures,
          records_count: model.numRecords,
          last_updated: now,
        })
        .where("query_id", "=", queryId)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await tx
          .insertInto("trained_models")
          .values({
            query_id: queryId,
            model_data: bytes,
            features_count: model.numFeatures,
            records_count: model.numRecords,
            last_updated: now,
            created_at: now,
          })
          .execute();
      }
      // The same connection, typed with fewer tables (Kysely's types are invariant in the table set).
      await saveModel(
        tx as unknown as Kysely<Database>,
        {
          kind: MODEL_KIND,
          key: queryId,
          parameters: { ...FOREST_PARAMS, contamination: model.forest?.contamination ?? null },
          trainingSize: model.numRecords,
          features: { num_features: model.numFeatures, names: [...featureNames] },
          metrics: {
            offset: model.offset,
            sample_size: model.forest?.sampleSize ?? 0,
            dropped: model.plan?.dropped.map((d) => `${d.key} (${d.role})`) ?? [],
          },
          artifact: { stored_in: "trained_models", query_id: queryId, bytes: bytes.length },
        },
        now,
      );
    });
    this.#cache.set(queryId, model);
  }

  /** Forgets cached models (after retention removed rows). */
  evict(queryId?: string): void {
    if (queryId === undefined) this.#cache.clear();
    else this.#cache.delete(queryId);
  }

  async info(queryId: string, nowIso: string): Promise<ModelInfo> {
    try {
      const model = await this.get(queryId);
      if (!model) return { status: "no_model" };
      return {
        status: "active",
        model_type: "isolation_forest",
        query_hash: queryId,
        features: model.numFeatures,
        timestamp: nowIso,
      };
    } catch (error) {
      return { status: "error", error: (error as Error).message };
    }
  }
}
