import { z } from "zod";
import { DAY_MS, isoUtc } from "../core/time.js";
import type { Store } from "../store/db.js";
import { findingsPerDetector } from "../store/repos/detector-findings.js";
import { latestVerdictCounts } from "../store/repos/verdicts.js";
import { precisionByDetector } from "./verdicts.js";

/** How far back the precision shown in the product looks (issue 46 item 6): old verdicts fade out. */
export const QUALITY_WINDOW_DAYS = 30;

/**
 * One detector over the window. Precision means what it does for `detector_precision` (all time) and
 * `/metrics`: each anomaly's latest verdict, a true positive (also given by resolving the anomaly) or a
 * false positive (marking it one); here only anomalies whose latest verdict was given within the window.
 */
export interface DetectorQuality {
  detector: string;
  /** Anomalies whose latest verdict was given in the window. */
  judged: number;
  truePositives: number;
  falsePositives: number;
  /** truePositives / judged; null when none was judged. */
  precision: number | null;
  /** Findings first seen (`timestamp`) in the window, each counted once however often it repeated. */
  findings: number;
  /** findings / window days, unrounded. */
  findingsPerDay: number;
}

export interface DetectorQualityReport {
  windowDays: number;
  /** The window's ISO bounds, both inclusive: `until` is the clock's now. */
  since: string;
  until: string;
  /** By detector name. */
  detectors: DetectorQuality[];
}

function empty(detector: string): DetectorQuality {
  return {
    detector,
    judged: 0,
    truePositives: 0,
    falsePositives: 0,
    precision: null,
    findings: 0,
    findingsPerDay: 0,
  };
}

/**
 * Per detector over the last 30 days to `now`: verdicts (judged, true and false positives, precision) and
 * volume (findings raised, per day). Two grouped queries, nothing loaded row by row. A detector appears
 * when it raised or had judged findings in the window, or is named in `known` (the running pipeline's,
 * so one that has been quiet still shows, with nothing judged); `detector` narrows it to that one.
 */
export async function detectorQuality(
  store: Pick<Store, "db">,
  now: number,
  options: { detector?: string; known?: readonly string[] } = {},
): Promise<DetectorQualityReport> {
  const since = isoUtc(now - QUALITY_WINDOW_DAYS * DAY_MS);
  const until = isoUtc(now);
  const window = { since, until, ...(options.detector !== undefined ? { detector: options.detector } : {}) };
  const [verdicts, findings] = await Promise.all([
    latestVerdictCounts(store.db, window),
    findingsPerDetector(store.db, window),
  ]);
  const by = new Map<string, DetectorQuality>();
  const entry = (detector: string) => {
    let q = by.get(detector);
    if (!q) {
      q = empty(detector);
      by.set(detector, q);
    }
    return q;
  };
  if (options.detector !== undefined) entry(options.detector);
  else for (const name of options.known ?? []) entry(name);
  for (const p of precisionByDetector(verdicts).values()) {
    const q = entry(p.detector);
    q.truePositives = p.truePositives;
    q.falsePositives = p.falsePositives;
    q.judged = p.truePositives + p.falsePositives;
    q.precision = p.precision;
  }
  for (const f of findings) {
    const q = entry(f.detector);
    q.findings = f.findings;
    q.findingsPerDay = f.findings / QUALITY_WINDOW_DAYS;
  }
  return {
    windowDays: QUALITY_WINDOW_DAYS,
    since,
    until,
    detectors: [...by.values()].sort((a, b) => a.detector.localeCompare(b.detector)),
  };
}

/**
 * The sentence a finding's explanation carries: "this detector: 27 of 30 judged findings in the last 30
 * days were true positives", or that there are no verdicts yet (a person reading it should not take
 * silence for a perfect record).
 */
export function precisionSentence(
  q: Pick<DetectorQuality, "judged" | "truePositives">,
  windowDays = QUALITY_WINDOW_DAYS,
): string {
  if (q.judged === 0) return `this detector: no verdicts in the last ${windowDays} days yet`;
  const one = q.judged === 1;
  return `this detector: ${q.truePositives} of ${q.judged} judged finding${one ? "" : "s"} in the last ${windowDays} days ${one ? "was a true positive" : "were true positives"}`;
}

/** Two decimals: enough for a rate of findings a day, and readable in JSON. */
const twoDecimals = (n: number) => Math.round(n * 100) / 100;

/** `GET /stats` `detector_precision`, the all-time figures (kept in this shape for existing clients). */
export const allTimePrecisionSchema = z
  .array(
    z.object({
      detector: z.string(),
      true_positives: z.number().int(),
      false_positives: z.number().int(),
      precision: z.number().nullable(),
    }),
  )
  .describe(
    "Per detector, from people's verdicts over all time (each anomaly's latest): resolved = true, false_positive = false",
  );

/** One detector as `GET /stats` and `get_detection_stats` give it (`detector_quality.detectors[]`). */
export const detectorQualityEntrySchema = z.object({
  detector: z.string(),
  findings: z
    .number()
    .int()
    .describe("Findings first seen in the window (`timestamp`), each once however often it repeated"),
  findings_per_day: z.number().describe("findings / window_days, to two decimals"),
  judged: z.number().int().describe("Findings whose latest verdict was given in the window"),
  true_positives: z.number().int(),
  false_positives: z.number().int(),
  precision: z
    .number()
    .nullable()
    .describe("true_positives / judged, from people's verdicts; null when nothing was judged in the window"),
  text: z
    .string()
    .describe("The same in words, e.g. 'brute_force: 27 of 30 judged findings … were true positives'"),
});

export const detectorQualitySchema = z
  .object({
    window_days: z.number().int(),
    since: z.string().describe("ISO-8601 UTC, inclusive"),
    until: z.string().describe("ISO-8601 UTC (now), inclusive"),
    detectors: z.array(detectorQualityEntrySchema),
  })
  .describe(
    "Per detector over the last window_days: volume (findings raised) and precision from people's verdicts " +
      "(each finding's latest: resolved or a true-positive verdict = true, false_positive = false). " +
      "`detector_precision` is the same measure over all time.",
  );

export type DetectorQualityJson = z.infer<typeof detectorQualitySchema>;

/** The report in the wire shape (snake case, rates rounded, a sentence per detector). */
export function detectorQualityJson(report: DetectorQualityReport): DetectorQualityJson {
  return {
    window_days: report.windowDays,
    since: report.since,
    until: report.until,
    detectors: report.detectors.map((q) => ({
      detector: q.detector,
      findings: q.findings,
      findings_per_day: twoDecimals(q.findingsPerDay),
      judged: q.judged,
      true_positives: q.truePositives,
      false_positives: q.falsePositives,
      precision: q.precision,
      text: `${precisionSentence(q, report.windowDays).replace(/^this detector/, q.detector)}; ${twoDecimals(q.findingsPerDay)} findings a day`,
    })),
  };
}

/** A finding's `detector_precision`: its detector's figures over the window, with the sentence. */
export const findingPrecisionSchema = z
  .object({
    detector: z.string(),
    window_days: z.number().int(),
    judged: z
      .number()
      .int()
      .describe("This detector's findings whose latest verdict was given in the window"),
    true_positives: z.number().int(),
    false_positives: z.number().int(),
    precision: z.number().nullable().describe("true_positives / judged; null without verdicts in the window"),
    text: z
      .string()
      .describe(
        "'this detector: 27 of 30 judged findings in the last 30 days were true positives', or 'this detector: no verdicts in the last 30 days yet'",
      ),
  })
  .describe("How often people judged this detector's findings real lately (GET /stats `detector_quality`)");

export type FindingPrecision = z.infer<typeof findingPrecisionSchema>;

/** The precision of `detector` over the window to `now`, for one finding's explanation. */
export async function findingPrecision(
  store: Pick<Store, "db">,
  detector: string,
  now: number,
): Promise<FindingPrecision> {
  const report = await detectorQuality(store, now, { detector });
  const q = report.detectors.find((d) => d.detector === detector) ?? empty(detector);
  return {
    detector,
    window_days: report.windowDays,
    judged: q.judged,
    true_positives: q.truePositives,
    false_positives: q.falsePositives,
    precision: q.precision,
    text: precisionSentence(q, report.windowDays),
  };
}
