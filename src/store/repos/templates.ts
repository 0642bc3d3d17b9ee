import { type Kysely, type Selectable, sql } from "kysely";
import type { TemplateInfo, TemplateLineage } from "../../core/template.js";
import { likeContains } from "../like.js";
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

/**
 * Rows for templates that generalised within the batch that created them: never live at a save, so without
 * this their lines' `template_id` had no row at all. An existing row is left as it is.
 */
export async function insertRetiredTemplates(
  db: Kysely<Database>,
  retired: readonly (TemplateInfo & { replacedBy: string })[],
): Promise<void> {
  for (let i = 0; i < retired.length; i += 500) {
    const rows = retired.slice(i, i + 500).map((t) => ({
      template_id: t.templateId,
      stream: t.stream,
      template: t.template,
      count: t.count,
      first_seen: t.firstSeen,
      last_seen: t.lastSeen,
      replaced_by: t.replacedBy,
    }));
    await db
      .insertInto("templates")
      .values(rows)
      .onConflict((oc) => oc.column("template_id").doNothing())
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

/** Orders of the template list: most lines first, fewest first (rare), newest first seen first. */
export const TEMPLATE_ORDERS = ["count", "rare", "newest"] as const;
export type TemplateOrder = (typeof TEMPLATE_ORDERS)[number];

export interface TemplateFilters {
  stream?: string;
  /** Case-insensitive text of the template. */
  q?: string;
  includeReplaced?: boolean;
}

function filteredTemplates(db: Kysely<Database>, filters: TemplateFilters) {
  let query = db.selectFrom("templates");
  if (filters.stream) query = query.where("stream", "=", filters.stream);
  if (!filters.includeReplaced) query = query.where("replaced_by", "is", null);
  if (filters.q) {
    const pattern = likeContains(filters.q);
    query = query.where((eb) => sql<boolean>`lower(${eb.ref("template")}) like ${pattern} escape '\\'`);
  }
  return query;
}

export async function listTemplates(
  db: Kysely<Database>,
  options: TemplateFilters & { limit?: number; offset?: number; order?: TemplateOrder } = {},
): Promise<TemplateRow[]> {
  let query = filteredTemplates(db, options).selectAll();
  const order = options.order ?? "count";
  query =
    order === "newest"
      ? query.orderBy("first_seen", "desc")
      : query.orderBy("count", order === "rare" ? "asc" : "desc");
  // A stable tie-break, so offset pages neither repeat nor skip a template.
  query = query.orderBy("template_id").limit(options.limit ?? 1_000);
  if (options.offset) query = query.offset(options.offset);
  return (await query.execute()).map(toTemplateRow);
}

/** How many templates the filters keep (the list's total). */
export async function countTemplates(db: Kysely<Database>, filters: TemplateFilters): Promise<number> {
  const row = await filteredTemplates(db, filters)
    .select((eb) => eb.fn.countAll<number | string>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Ids per look-up: well under either database's limit of bound parameters. */
const TEXTS_PER_QUERY = 1_000;

/**
 * Template texts by id, one hop of lineage: a template that generalised answers with the general one's
 * text, so a line mined before the change shows what its template became. Unknown ids are left out.
 */
export async function currentTemplateTexts(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  for (let i = 0; i < ids.length; i += TEXTS_PER_QUERY) {
    const rows = await db
      .selectFrom("templates")
      .leftJoin("templates as current", "current.template_id", "templates.replaced_by")
      .select(["templates.template_id", "templates.template", "current.template as current_template"])
      .where("templates.template_id", "in", ids.slice(i, i + TEXTS_PER_QUERY))
      .execute();
    for (const r of rows) texts.set(r.template_id, r.current_template ?? r.template);
  }
  return texts;
}

/**
 * The ids a line of each template in `ids` may carry, one hop of lineage as `currentTemplateTexts` shows
 * them: each id itself and the ids of the templates that generalised into it.
 */
export async function templateIdsWithLineage(
  db: Kysely<Database>,
  ids: readonly string[],
): Promise<string[]> {
  const out = new Set(ids);
  for (let i = 0; i < ids.length; i += TEXTS_PER_QUERY) {
    const rows = await db
      .selectFrom("templates")
      .select("template_id")
      .where("replaced_by", "in", ids.slice(i, i + TEXTS_PER_QUERY))
      .execute();
    for (const r of rows) out.add(r.template_id);
  }
  return [...out];
}
