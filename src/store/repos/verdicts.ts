import type { Kysely, Selectable } from "kysely";
import type { Suppression } from "../../core/suppression.js";
import type { Database, SuppressionsTable, VerdictsTable } from "../schema.js";

export type VerdictKind = "true_positive" | "false_positive";
export const VERDICT_KINDS: readonly VerdictKind[] = ["true_positive", "false_positive"];

export interface StoredVerdict {
  id: number;
  anomalyId: number;
  detector: string;
  key: string;
  templateId: string | null;
  verdict: VerdictKind;
  actor: string;
  note: string | null;
  createdAt: string;
}

export interface StoredSuppression extends Omit<Suppression, "expiresAt"> {
  verdictId: number | null;
  reason: string | null;
  expiresAt: string | null;
  createdAt: string;
  /** Findings the pipeline dropped because of it. */
  suppressedCount: number;
  lastSuppressedAt: string | null;
  /** When and by whom it was revoked (or replaced by a later verdict on the same anomaly). */
  liftedAt: string | null;
  liftedBy: string | null;
}

/** The columns a new suppression is given; the rest start empty. */
export type NewSuppression = Omit<
  StoredSuppression,
  "id" | "suppressedCount" | "lastSuppressedAt" | "liftedAt" | "liftedBy"
>;

function toVerdict(row: Selectable<VerdictsTable>): StoredVerdict {
  return {
    id: Number(row.id),
    anomalyId: Number(row.anomaly_id),
    detector: row.detector,
    key: row.key,
    templateId: row.template_id,
    verdict: row.verdict as VerdictKind,
    actor: row.actor,
    note: row.note,
    createdAt: row.created_at,
  };
}

export function toSuppression(row: Selectable<SuppressionsTable>): StoredSuppression {
  return {
    id: Number(row.id),
    verdictId: row.verdict_id === null ? null : Number(row.verdict_id),
    detector: row.detector,
    key: row.key,
    templateId: row.template_id,
    maxScore: row.max_score === null ? null : Number(row.max_score),
    reason: row.reason,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    suppressedCount: Number(row.suppressed_count),
    lastSuppressedAt: row.last_suppressed_at,
    liftedAt: row.lifted_at,
    liftedBy: row.lifted_by,
  };
}

/** The in-memory form the pipeline matches with. */
export function asSuppression(s: StoredSuppression): Suppression {
  return {
    id: s.id,
    detector: s.detector,
    key: s.key,
    templateId: s.templateId,
    maxScore: s.maxScore,
    expiresAt: s.expiresAt === null ? null : Date.parse(s.expiresAt),
  };
}

export async function insertVerdict(
  db: Kysely<Database>,
  v: Omit<StoredVerdict, "id">,
): Promise<StoredVerdict> {
  const row = await db
    .insertInto("verdicts")
    .values({
      anomaly_id: v.anomalyId,
      detector: v.detector,
      key: v.key,
      template_id: v.templateId,
      verdict: v.verdict,
      actor: v.actor,
      note: v.note,
      created_at: v.createdAt,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toVerdict(row);
}

export async function insertSuppression(db: Kysely<Database>, s: NewSuppression): Promise<StoredSuppression> {
  const row = await db
    .insertInto("suppressions")
    .values({
      verdict_id: s.verdictId,
      detector: s.detector,
      key: s.key,
      template_id: s.templateId,
      max_score: s.maxScore,
      reason: s.reason,
      expires_at: s.expiresAt,
      created_at: s.createdAt,
      lifted_at: null,
      last_suppressed_at: null,
      lifted_by: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toSuppression(row);
}

/** Suppressions not lifted and not expired at `now` (ISO). */
export async function activeSuppressions(db: Kysely<Database>, now: string): Promise<StoredSuppression[]> {
  const rows = await db
    .selectFrom("suppressions")
    .selectAll()
    .where("lifted_at", "is", null)
    .where((eb) => eb.or([eb("expires_at", "is", null), eb("expires_at", ">", now)]))
    .orderBy("id")
    .execute();
  return rows.map(toSuppression);
}

/** Lifts the suppressions that verdicts on `anomalyId` created; returns their ids. */
export async function liftSuppressionsOf(
  db: Kysely<Database>,
  anomalyId: number,
  now: string,
  actor: string | null = null,
): Promise<number[]> {
  const verdictIds = db.selectFrom("verdicts").select("id").where("anomaly_id", "=", anomalyId);
  const rows = await db
    .updateTable("suppressions")
    .set({ lifted_at: now, lifted_by: actor })
    .where("verdict_id", "in", verdictIds)
    .where("lifted_at", "is", null)
    .returning("id")
    .execute();
  return rows.map((r) => Number(r.id));
}

/**
 * Each anomaly's latest verdict, counted per detector. With `window`, only anomalies whose latest verdict
 * was given within it (ISO bounds, inclusive), optionally of one detector: an anomaly judged before the
 * window and again inside it counts once, by its new verdict; one whose latest verdict is older, not at all.
 */
export async function latestVerdictCounts(
  db: Kysely<Database>,
  window?: { since: string; until: string; detector?: string },
): Promise<{ detector: string; verdict: VerdictKind; count: number }[]> {
  // "Latest" is the highest id (verdicts are only ever appended), as recordVerdict's replacing means it.
  let latest = db
    .selectFrom("verdicts")
    .select((eb) => eb.fn.max("id").as("id"))
    .groupBy("anomaly_id");
  // An anomaly's verdicts all carry its detector, so narrowing the inner query keeps the same latest ones.
  if (window?.detector !== undefined) latest = latest.where("detector", "=", window.detector);
  let q = db
    .selectFrom("verdicts")
    .select(["detector", "verdict"])
    .select((eb) => eb.fn.countAll().as("n"))
    .where("id", "in", latest);
  if (window)
    q = q
      .where("created_at", ">=", window.since)
      .where("created_at", "<=", window.until)
      .$if(window.detector !== undefined, (w) => w.where("detector", "=", window.detector ?? ""));
  const rows = await q.groupBy(["detector", "verdict"]).execute();
  return rows.map((r) => ({ detector: r.detector, verdict: r.verdict as VerdictKind, count: Number(r.n) }));
}
