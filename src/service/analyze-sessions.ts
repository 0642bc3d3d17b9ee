import type { Anomaly } from "../core/anomaly.js";
import { SequenceDetector } from "../detectors/sequence/detector.js";
import type { Processor } from "../pipeline/processor.js";
import { type AnalyzeOptions, type AnalyzeReport, analyzeLines } from "./analyze.js";

export interface SessionReport {
  /** The session key as parsed (`field:…` or `regex:…`). */
  key: string;
  /** Where the model was learned: the baseline file, or the first sessions of the input. */
  trained_on: "baseline" | "warm-up";
  training_sessions: number;
  templates: number;
  /** Seconds without a record before a session closes: configured, or learned from the baseline. */
  idle_timeout_secs: number;
  anomalous: { id: string; score: number; severity: string; type: string; summary: string; line: number }[];
}

export type SessionAnalyzeReport = AnalyzeReport & { sessions: SessionReport };

/**
 * `analyze --session-key`: like `analyzeLines`, with the processor's sequence detector trained first
 * on a baseline when one is given (its lines go through the same miner, so template ids match), else
 * on the input's first `warmupSessions` sessions. Reports every anomalous session.
 */
export async function analyzeSessions(
  lines: AsyncIterable<string> | Iterable<string>,
  processor: Processor,
  options: AnalyzeOptions & { train?: AsyncIterable<string> | Iterable<string> } = {},
): Promise<SessionAnalyzeReport> {
  const detector = processor.detectors.find((d): d is SequenceDetector => d instanceof SequenceDetector);
  if (!detector) throw new Error("analyzeSessions needs a processor with the sequence detector enabled");
  const { train, ...rest } = options;
  if (train) {
    detector.beginTraining();
    // Other detectors see the baseline too (it is their warm-up); what they flag there is not reported.
    await analyzeLines(train, processor, {
      ...(rest.defaultService ? { defaultService: rest.defaultService } : {}),
    });
    detector.endTraining();
  }
  const report = await analyzeLines(lines, processor, rest);
  const model = detector.model;
  const flagged = report.anomalies.filter(
    (a): a is Anomaly & { index: number } => a.detector === detector.name,
  );
  return {
    ...report,
    sessions: {
      key: detector.sessionKey,
      trained_on: train ? "baseline" : "warm-up",
      training_sessions: model?.sessionsTrained ?? 0,
      templates: model?.vocabulary.length ?? 0,
      idle_timeout_secs: Math.round(detector.idleTimeoutSecs),
      anomalous: flagged.map((a) => ({
        id: a.key,
        score: Math.round(a.score * 1e4) / 1e4,
        severity: a.severity,
        type: a.type,
        summary: a.explanation.summary,
        line: a.index,
      })),
    },
  };
}
