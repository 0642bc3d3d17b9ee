import { z } from "zod";
import type { Clock } from "../core/clock.js";
import { UserError } from "../core/errors.js";
import { DAY_MS, isoUtc } from "../core/time.js";
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
    const lifted = await liftSuppressionsOf(trx, anomaly.id, now, input.actor);
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
    const suppression =
      input.verdict === "false_positive"
        ? await insertSuppression(trx, {
            ...planSuppression(anomaly, input, nowMs, deps.config.verdicts.suppressionTtlDays),
            verdictId: verdict.id,
            reason: input.note ?? `false positive: anomaly ${anomaly.id}`,
            createdAt: now,
          })
        : null;
    return { verdict, suppression, lifted, anomaly };
  });
  for (const id of result.lifted) deps.pipeline.suppressions.remove(id);
  if (result.suppression) deps.pipeline.suppressions.add(asSuppression(result.suppression));
  return result;
}

/** What a false-positive verdict on `anomaly` would suppress, worked out before anything is written. */
export interface SuppressionPlan {
  detector: string;
  /** The entity (detector key) it is narrowed to, or null for any. */
  key: string | null;
  templateId: string | null;
  /** The scope actually applied (`template` falls back to `key` for an anomaly without a template). */
  scope: SuppressionScope;
  /** Only findings scoring at most this (the judged anomaly's score) are dropped. */
  maxScore: number;
  expiresAt: string | null;
}

/**
 * The suppression a false positive creates: the scope the person chose, capped at the judged anomaly's
 * score. "This was normal" is evidence about this strength of signal on this entity, not about an
 * escalating attack from it, so a stronger finding (more failures, a faster rate) still fires.
 */
export function planSuppression(
  anomaly: Pick<StoredAnomaly, "detector" | "key" | "templateId" | "score">,
  input: { scope?: SuppressionScope; expiresAt?: string | null },
  nowMs: number,
  ttlDays: number,
): SuppressionPlan {
  const requested = input.scope ?? "key";
  const scope: SuppressionScope = requested === "template" && anomaly.templateId === null ? "key" : requested;
  const expiresAt =
    input.expiresAt !== undefined
      ? input.expiresAt === null
        ? null
        : isoUtc(Date.parse(input.expiresAt))
      : ttlDays > 0
        ? isoUtc(nowMs + ttlDays * DAY_MS)
        : null;
  return {
    detector: anomaly.detector,
    key: scope === "key" ? anomaly.key : null,
    templateId: scope === "template" ? anomaly.templateId : null,
    scope,
    maxScore: anomaly.score,
    expiresAt,
  };
}

export interface DetectorPrecision {
  detector: string;
  truePositives: number;
  falsePositives: number;
  /** TP / (TP + FP) over anomalies with a verdict (each anomaly's latest); null without verdicts. */
  precision: number | null;
}

/** Per-detector precision from verdicts (all time), for `/stats` and `/metrics`. */
export async function detectorPrecision(store: Pick<Store, "db">): Promise<DetectorPrecision[]> {
  const by = precisionByDetector(await latestVerdictCounts(store.db));
  return [...by.values()].sort((a, b) => a.detector.localeCompare(b.detector));
}

/** Latest-verdict counts (`latestVerdictCounts`) folded per detector into true/false positives and precision. */
export function precisionByDetector(
  counts: readonly { detector: string; verdict: string; count: number }[],
): Map<string, DetectorPrecision> {
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
  return by;
}
