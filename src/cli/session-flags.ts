import type { Config } from "../config/schema.js";
import { terminalSafe as safe } from "../core/terminal-safe.js";
import type { SessionReport } from "../service/analyze-sessions.js";

export type { SessionReport };

export interface AnalyzeFlags {
  format: string;
  output?: string;
  service?: string;
  config?: string;
  sessionKey?: string;
  train?: string;
  warmupSessions?: string;
  /** `--no-verdicts` sets this false: ignore the store's false-positive suppressions. */
  verdicts: boolean;
}

/** Turns the sequence detector on for `analyze --session-key`, whatever the config said. */
export function withSessionKey(config: Config, sessionKey: string, warmupSessions?: string): void {
  const warmup = warmupSessions === undefined ? undefined : Number(warmupSessions);
  if (warmup !== undefined && !(Number.isInteger(warmup) && warmup > 0))
    throw new Error(`--warmup-sessions must be a positive integer, not '${warmupSessions}'`);
  config.detectors.sequence = {
    ...config.detectors.sequence,
    enabled: true,
    sessionKey,
    ...(warmup ? { warmupSessions: warmup } : {}),
  };
}

/**
 * The text report's session section: where the model came from and the anomalous sessions (session ids
 * and summaries come from the log, so their control characters are shown escaped).
 */
export function renderSessions(s: SessionReport): string[] {
  return [
    `Sessions (key ${safe(s.key)}; model from the ${s.trained_on}: ${s.training_sessions} sessions, ${s.templates} templates)`,
    ...(s.anomalous.length === 0 ? ["  No anomalous sessions."] : []),
    ...s.anomalous
      .slice(0, 50)
      .map(
        (a) => `  ${a.severity.padEnd(8)} ${a.score.toFixed(2)}  ${safe(a.id).padEnd(24)} ${safe(a.summary)}`,
      ),
    ...(s.anomalous.length > 50 ? [`  … ${s.anomalous.length - 50} more (use --format json)`] : []),
    "",
  ];
}
