import type { Kysely } from "kysely";
import type { JsonObject } from "../../core/json.js";
import { toJsonText } from "../json.js";
import type { Database } from "../schema.js";

export interface AuditEntry {
  actor: string;
  action: string;
  target?: string | null;
  details?: JsonObject;
}

export async function recordAudit(db: Kysely<Database>, entry: AuditEntry, now: string): Promise<void> {
  await db
    .insertInto("audit_logs")
    .values({
      occurred_at: now,
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      details: toJsonText(entry.details ?? {}),
    })
    .execute();
}
