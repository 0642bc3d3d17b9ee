import type { Kysely, Selectable } from "kysely";
import type { TemplateInfo, TemplateLineage } from "../../core/template.js";
import type { Database, TemplatesTable } from "../schema.js";

/** Writes the current templates with their counts, and lineage links, in one go. Run inside a transaction. */
export async function saveTemplates(
  db: Kysely<Database>,
  templates: readonly TemplateInfo[],
  lineage: readonly TemplateLineage[] = [],
): Promise<void> {
  for (let i = 0; i < templates.length; i += 500) {
    const rows = templates.slice(i, i + 500).map((t) => ({
      template_id: t.templateId,
      stream: t.stream,
      template: t.template,
      count: t.count,
      first_seen: t.firstSeen,
      last_seen: t.lastSeen,
      replaced_by: null,
    }));
    await db
      .insertInto("templates")
      .values(rows)
      .onConflict((oc) =>
        oc.column("template_id").doUpdateSet((eb) => ({
          template: eb.ref("excluded.template"),
          count: eb.ref("excluded.count"),
          last_seen: eb.ref("excluded.last_seen"),
          replaced_by: null,
        })),
      )
      .execute();
  }
  for (const link of lineage) {
    await db
      .updateTable("templates")
      .set({ replaced_by: link.toId })
      .where("template_id", "=", link.fromId)
      .execute();
  }
}

export interface TemplateRow {
  templateId: string;
  stream: string;
  template: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  replacedBy: string | null;
}

/** A `templates` row in the shape repositories return. */
export function toTemplateRow(r: Selectable<TemplatesTable>): TemplateRow {
  return {
    templateId: r.template_id,
    stream: r.stream,
    template: r.template,
    count: Number(r.count),
    firstSeen: r.first_seen,
    lastSeen: r.last_seen,
    replacedBy: r.replaced_by,
  };
}

export async function listTemplates(
  db: Kysely<Database>,
  options: { stream?: string; limit?: number; includeReplaced?: boolean } = {},
): Promise<TemplateRow[]> {
  let query = db.selectFrom("templates").selectAll();
  if (options.stream) query = query.where("stream", "=", options.stream);
  if (!options.includeReplaced) query = query.where("replaced_by", "is", null);
  const rows = await query
    .orderBy("count", "desc")
    .limit(options.limit ?? 1_000)
    .execute();
  return rows.map(toTemplateRow);
}
