import { z } from "zod";

/** How many items one bulk status change may name: a page of the dashboard, with room to spare. */
export const BULK_MAX_IDS = 500;

/** Statuses a reviewer sets on a whole selection (anomalies, alerts, incidents). */
export const BULK_STATUSES = ["open", "acknowledged", "resolved"] as const;
export type BulkStatus = (typeof BULK_STATUSES)[number];

/**
 * The body and answer of `PATCH /api/v1/{anomalies,alerts,incidents}`: `{ids, status, comment?}` in,
 * `{status, updated, not_found}` out. `id` is the schema of one id (numbers for anomalies and
 * incidents, strings for alerts), `what` names the items in the docs.
 */
export function bulkStatusSchemas<Id extends z.ZodType<number> | z.ZodType<string>>(id: Id, what: string) {
  return {
    body: z.strictObject({
      ids: z
        .array(id)
        .min(1)
        .max(BULK_MAX_IDS)
        .describe(`${what} ids, 1 to ${BULK_MAX_IDS}; duplicates count once`),
      status: z.enum(BULK_STATUSES),
      comment: z
        .string()
        .max(2000)
        .optional()
        .describe(`Why; kept in each ${what.toLowerCase()}'s audit entry`),
    }),
    result: z.object({
      status: z.enum(BULK_STATUSES),
      updated: z.array(id).describe("Ids whose status is now `status`"),
      not_found: z.array(id).describe(`Ids with no ${what.toLowerCase()}; nothing was done for them`),
    }),
  };
}

/**
 * Applies `change` to each distinct id in order and sorts the ids into updated and not found
 * (`change` answers false when there is no such item). One id at a time, each in its own
 * transaction, so a failure part-way leaves every earlier change whole and audited.
 */
export async function applyEach<Id>(
  ids: readonly Id[],
  change: (id: Id) => Promise<boolean>,
): Promise<{ updated: Id[]; not_found: Id[] }> {
  const updated: Id[] = [];
  const notFound: Id[] = [];
  for (const id of new Set(ids)) ((await change(id)) ? updated : notFound).push(id);
  return { updated, not_found: notFound };
}
