import type { Kysely } from "kysely";
import type { JsonValue } from "../../core/json.js";
import { fromJsonText, toJsonText } from "../json.js";
import type { Database } from "../schema.js";

/** Versioned state blobs by key (miner, detectors, checkpoints). */
export async function loadState(db: Kysely<Database>, key: string): Promise<JsonValue | undefined> {
  const row = await db.selectFrom("state").select("value").where("key", "=", key).executeTakeFirst();
  return row ? fromJsonText<JsonValue>(row.value, null) : undefined;
}

export async function saveState(
  db: Kysely<Database>,
  key: string,
  value: unknown,
  now: string,
): Promise<void> {
  // Encoded once: the pipeline's state can run to megabytes.
  const text = toJsonText(value);
  await db
    .insertInto("state")
    .values({ key, value: text, updated_at: now })
    .onConflict((oc) => oc.column("key").doUpdateSet({ value: text, updated_at: now }))
    .execute();
}

export async function deleteState(db: Kysely<Database>, key: string): Promise<void> {
  await db.deleteFrom("state").where("key", "=", key).execute();
}
