import type { Kysely } from "kysely";
import type { Database } from "../schema.js";
import { type TemplateRow, toTemplateRow } from "./templates.js";

/** `new`: most recently first seen; `rare`: fewest records; `frequent`: most records. */
export const TEMPLATE_ORDERS = ["new", "rare", "frequent"] as const;
export type TemplateOrder = (typeof TEMPLATE_ORDERS)[number];

/** Current templates (not generalised into another), by stream, in the order asked for. */
export async function findTemplates(
  db: Kysely<Database>,
  options: { order: TemplateOrder; stream?: string; since?: string; limit: number },
): Promise<TemplateRow[]> {
  let q = db.selectFrom("templates").selectAll().where("replaced_by", "is", null);
  if (options.stream) q = q.where("stream", "=", options.stream);
  if (options.since) q = q.where("first_seen", ">=", options.since);
  q =
    options.order === "new"
      ? q.orderBy("first_seen", "desc")
      : q.orderBy("count", options.order === "rare" ? "asc" : "desc");
  const rows = await q.orderBy("template_id").limit(options.limit).execute();
  return rows.map(toTemplateRow);
}
