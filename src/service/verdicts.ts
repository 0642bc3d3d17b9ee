import { z } from "zod";
import type { Clock } from "../core/clock.js";
import { UserError } from "../core/errors.js";
import { isoUtc } from "../core/time.js";
import type { IngestPipeline } from "../pipeline/ingest-pipeline.js";
import type { Store } from "../store/db.js";
import { getAnomaly, type StoredAnomaly } from "../store/repos/anomalies.js";
import {
  asSuppression,
  insertSuppression,
  insertVerdict,
  latestVerdictCounts,
  liftSuppressionsOf,
  type StoredSuppression,
  type StoredVerdict,
  VERDICT_KINDS,
} from "../store/repos/verdicts.js";

/**
 * What a false positive silences: `key` = this detector on this key (the default), `template` = this
 * detector on this template whatever the key (falls back to `key` when the anomaly has no template),
 * `detector` = the whole detector.
 */
export const SUPPRESSION_SCOPES = ["key", "template", "detector"] as const;
export type SuppressionScope = (typeof SUPPRESSION_SCOPES)[number];

export const verdictInputSchema = z.object({
  anomalyId: z.number().int().positive(),
  verdict: z.enum(VERDICT_KINDS as ["true_positive", "false_positive"]),
  actor: z.string().min(1),
  note: z.string().max(2000).nullish(),
  scope: z.enum(SUPPRESSION_SCOPES).default("key"),
  /** ISO time the suppression ends; omitted: now + SUPPRESSION_TTL_DAYS; null: never. */
  expiresAt: z.iso.datetime({ offset: true }).nullish(),
});
export type VerdictInput = z.input<typeof verdictInputSchema>;

export interface VerdictResult {
  verdict: StoredVerdict;
  /** The suppression a false positive created (null for a true positive). */
  suppression: StoredSuppression | null;
  /** Suppressions lifted because this verdict replaces an earlier false positive on the anomaly. */
  lifted: number[];
  anomaly: StoredAnomaly;
}

export interface VerdictDeps {
  store: Store;
  clock: Clock;
  pipeline: Pick<IngestPipeline, "suppressions">;
  config: { verdicts: { suppressionTtlDays: number } };
}

/**
 * Records a person's verdict on an anomaly. A false positive also creates a suppression (scope above,
 * optional expiry) that the running pipeline applies at once: matching anomalies are neither stored nor
 * emitted. A later verdict on the same anomaly replaces the earlier one (its suppression is lifted).
 * The anomaly's status is the caller's to set (`changeAnomalyStatus`, which also audits it).
 */
export async function recordVerdict(deps: VerdictDeps, raw: VerdictInput): Promise<VerdictResult> {
  const parsed = verdictInputSchema.safeParse(raw);
  if (!parsed.success)
    throw new UserError(`invalid verdict: ${parsed.error.issues[0]?.message ?? "bad input"}`);
  const input = parsed.data;
  const nowMs = deps.clock.now();
  const now = isoUtc(nowMs);
  const result = await deps.store.db.transaction().execute(async (trx) => {
    const anomaly = await getAnomaly(trx, input.anomalyId);
    if (!anomaly) throw new UserError(`anomaly ${input.anomalyId} not found`, "not_found", 404);
    const lifted = await liftSuppressionsOf(trx, anomaly.id, now);
    const verdict = await insertVerdict(trx, {
      anomalyId: anomaly.id,
      detector: anomaly.detector,
      key: anomaly.key,
      templateId: anomaly.templateId,
      verdict: input.verdict,
      actor: input.actor,
      note: input.note ?? null,
      createdAt: now,
    });
    let suppression: StoredSuppression | null = null;
    if (input.verdict === "false_positive") {
      const byTemplate = input.scope === "template" && anomaly.templateId !== null;
      const ttlDays = deps.config.verdicts.suppressionTtlDays;
      const expiresAt =
        input.expiresAt !== undefined
          ? input.expiresAt === null
            ? null
            : isoUtc(Date.parse(input.expiresAt))
          : ttlDays > 0
            ? isoUtc(nowMs + ttlDays * 86_400_000)
            : null;
      suppression = await insertSuppression(trx, {
        verdictId: verdict.id,
        detector: anomaly.detector,
        key: input.scope === "key" || (input.scope === "template" && !byTemplate) ? anomaly.key : null,
        templateId: byTemplate ? anomaly.templateId : null,
        reason: input.note ?? `false positive: anomaly ${anomaly.id}`,
        expiresAt,
        createdAt: now,
      });
    }
    return { verdict, suppression, lifted, anomaly };
  });
  for (const id of result.lifted) deps.pipeline.suppressions.remove(id);
  if (result.suppression) deps.pipeline.suppressions.add(asSuppression(result.suppression));
  return result;
}

export interface DetectorPrecision {
  detector: string;
  truePositives: number;
  falsePositives: number;
  /** TP / (TP + FP) over anomalies with a verdict (each anomaly's latest); null without verdicts. */
  precision: number | null;
}

/** Per-detector precision from verdicts, for `/stats` and `/metrics`. */
export async function detectorPrecision(store: Pick<Store, "db">): Promise<DetectorPrecision[]> {
  const counts = await latestVerdictCounts(store.db);
  const by = new Map<string, DetectorPrecision>();
  for (const c of counts) {
    const p = by.get(c.detector) ?? {
      detector: c.detector,
      truePositives: 0,
      falsePositives: 0,
      precision: null,
    };
    if (c.verdict === "true_positive") p.truePositives += c.count;
    else p.falsePositives += c.count;
    by.set(c.detector, p);
  }
  for (const p of by.values()) {
    const judged = p.truePositives + p.falsePositives;
    p.precision = judged > 0 ? p.truePositives / judged : null;
  }
  return [...by.values()].sort((a, b) => a.detector.localeCompare(b.detector));
}
