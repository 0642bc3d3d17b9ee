import { type Kysely, sql } from "kysely";
import type { JsonObject, JsonValue } from "../../core/json.js";
import { isJsonObject } from "../../core/json.js";
import type { CheckpointStore } from "../../core/source.js";
import { fromJsonText } from "../json.js";
import { likeLiteral } from "../like.js";
import type { Database } from "../schema.js";
import { loadState, saveState } from "./state.js";

/** Source checkpoints in the `state` table (keys `source:<type>:…`), plus the crash-recovery look-ups. */
export function storeCheckpoints(db: Kysely<Database>, now: () => string): CheckpointStore {
  return {
    load: (key) => loadState(db, key),
    async loadPrefix(prefix) {
      const rows = await db
        .selectFrom("state")
        .select(["key", "value"])
        .where(sql<boolean>`${sql.ref("key")} like ${`${likeLiteral(prefix)}%`} escape '\\'`)
        .execute();
      // SQLite's LIKE ignores case for ASCII; the prefix test keeps the match exact on both dialects.
      return new Map(
        rows
          .filter((r) => r.key.startsWith(prefix))
          .map((r) => [r.key, fromJsonText<JsonValue>(r.value, null)] as const),
      );
    },
    save: (key, value) => saveState(db, key, value, now()),
    async delete(key) {
      await db.deleteFrom("state").where("key", "=", key).execute();
    },
    async logsWatermark() {
      const row = await db
        .selectFrom("logs")
        .select((eb) => eb.fn.max("id").as("max"))
        .executeTakeFirst();
      return Number(row?.max ?? 0);
    },
    async attributesSince(watermark, needle) {
      const rows = await db
        .selectFrom("logs")
        .select("metadata")
        .where("id", ">", watermark)
        .where(sql<boolean>`${sql.ref("metadata")} like ${`%${likeLiteral(needle)}%`} escape '\\'`)
        .execute();
      const out: JsonObject[] = [];
      for (const r of rows) {
        if (!r.metadata.includes(needle)) continue;
        const value = fromJsonText<JsonValue>(r.metadata, null);
        if (isJsonObject(value)) out.push(value);
      }
      return out;
    },
  };
}
