import type { Kysely } from "kysely";
import type { JsonValue } from "../../core/json.js";
import { fromJsonText, toJsonText } from "../json.js";
import type { Database } from "../schema.js";

export interface ModelVersion {
  id: number;
  kind: string;
  key: string;
  version: number;
  parameters: JsonValue;
  trainingSize: number;
  features: JsonValue;
  metrics: JsonValue;
  artifact: JsonValue;
  createdAt: string;
}

export interface NewModel {
  kind: string;
  key: string;
  parameters: JsonValue;
  trainingSize: number;
  features: JsonValue;
  metrics: JsonValue;
  artifact: JsonValue;
}

/** Saves a new version (previous max + 1) of the model `kind`/`key`, keeping the last `keep` versions. */
export async function saveModel(
  db: Kysely<Database>,
  model: NewModel,
  now: string,
  keep = 10,
): Promise<ModelVersion> {
  const latest = await db
    .selectFrom("models")
    .select((eb) => eb.fn.max("version").as("v"))
    .where("kind", "=", model.kind)
    .where("key", "=", model.key)
    .executeTakeFirst();
  const version = Number(latest?.v ?? 0) + 1;
  const row = await db
    .insertInto("models")
    .values({
      kind: model.kind,
      key: model.key,
      version,
      parameters: toJsonText(model.parameters),
      training_size: model.trainingSize,
      features: toJsonText(model.features),
      metrics: toJsonText(model.metrics),
      artifact: toJsonText(model.artifact),
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db
    .deleteFrom("models")
    .where("kind", "=", model.kind)
    .where("key", "=", model.key)
    .where("version", "<=", version - keep)
    .execute();
  return toModel(row);
}

export async function latestModel(
  db: Kysely<Database>,
  kind: string,
  key: string,
): Promise<ModelVersion | undefined> {
  const row = await db
    .selectFrom("models")
    .selectAll()
    .where("kind", "=", kind)
    .where("key", "=", key)
    .orderBy("version", "desc")
    .limit(1)
    .executeTakeFirst();
  return row ? toModel(row) : undefined;
}

function toModel(row: {
  id: number;
  kind: string;
  key: string;
  version: number;
  parameters: string;
  training_size: number;
  features: string;
  metrics: string;
  artifact: string;
  created_at: string;
}): ModelVersion {
  return {
    id: Number(row.id),
    kind: row.kind,
    key: row.key,
    version: Number(row.version),
    parameters: fromJsonText<JsonValue>(row.parameters, {}),
    trainingSize: Number(row.training_size),
    features: fromJsonText<JsonValue>(row.features, []),
    metrics: fromJsonText<JsonValue>(row.metrics, {}),
    artifact: fromJsonText<JsonValue>(row.artifact, null),
    createdAt: row.created_at,
  };
}
