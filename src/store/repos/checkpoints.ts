import { type Kysely, sql } from "kysely";
import type { JsonValue } from "../../core/json.js";
import type { CheckpointStore } from "../../core/source.js";
import { fromJsonText } from "../json.js";
import { likeLiteral } from "../like.js";
import type { Database } from "../schema.js";
import { committedSubmission } from "./ingest-batches.js";
import { deleteState, loadState, saveState } from "./state.js";

/**
 * Source checkpoints in the `state` table (keys `source:<type>:…`), and the submission watermark that
 * settles a crash: each source submission's number is written with its records (`recordBatch`). It
 * replaces `max(logs.id)` plus a text search of `metadata`, which a record from another door carrying the
 * source's attribute could satisfy, and which assumed row ids in commit order (PostgreSQL sequences are
 * not, with several writers).
 */
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
    delete: (key) => deleteState(db, key),
    committedSubmission: (source) => committedSubmission(db, source),
  };
}
