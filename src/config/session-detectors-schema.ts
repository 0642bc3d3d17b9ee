import { z } from "zod";
import { envBool as bool, positiveInt } from "./coerce.js";

const margin = z.preprocess(
  (v) => (v === "" || v === "off" || v === "null" ? null : v),
  z.coerce.number().min(0).nullable(),
);

/**
 * The `sequence` detector (sessions judged by a next-template model). Off by default: it needs a
 * session key, which only the operator knows (`blk_-?[0-9]+` for HDFS, `field:trace_id`, …).
 * Model settings default to `DEFAULT_NEXT_KEY_OPTIONS` (chosen on HDFS, see docs/benchmarks.md).
 */
export const sequenceSchema = z
  .object({
    enabled: bool.default(false),
    /** `field:NAME`, `regex:PATTERN`, or a bare value: a plain name is a field, anything else a regex. */
    sessionKey: z.string().default(""),
    /** A session with no record for this long (record time) is closed and judged. */
    idleTimeoutSecs: z.coerce.number().positive().default(300),
    /** Open sessions kept at most; the least recently active one is closed (and not judged) beyond. */
    maxOpenSessions: positiveInt.default(100_000),
    /** Closed sessions learned from before the model judges any (status "learning" until then). */
    warmupSessions: positiveInt.default(1_000),
    historyLength: positiveInt.default(4),
    topG: positiveInt.default(13),
    /** Keys of history that judge the end of a session (never padded); null: like any key. */
    endHistoryLength: z.preprocess((v) => (v === "" ? null : v), positiveInt.nullable()).default(1),
    lengthMargin: margin.default(0.1),
    countMargin: margin.default(0),
  })
  .prefault({});

/** The `window_forest` detector (Isolation Forest over per-service interval feature vectors). */
export const windowForestSchema = z
  .object({
    /** Off by default until its threshold has been checked on more than one kind of log. */
    enabled: bool.default(false),
    /** Length of one window, seconds of record time. */
    windowSecs: positiveInt.default(60),
    /** Closed windows of a service before its first forest is fitted. */
    warmupWindows: positiveInt.default(30),
    /** The forest is refitted on all kept windows after this many more closed windows. */
    retrainWindows: positiveInt.default(60),
    /** Windows kept per service for training (oldest dropped first). */
    historyWindows: positiveInt.default(2_000),
    /** Templates tracked as features per service (most frequent in the warm-up first). */
    maxTemplates: positiveInt.default(50),
    /** A window scoring at least this (Isolation Forest anomaly score, 0.5 = unremarkable) is flagged. */
    threshold: z.coerce.number().gt(0.5).max(1).default(0.65),
  })
  .prefault({});

export const SESSION_DETECTOR_ENV_KEYS: Record<string, string> = {
  SEQUENCE_ENABLED: "detectors.sequence.enabled",
  SEQUENCE_SESSION_KEY: "detectors.sequence.sessionKey",
  SEQUENCE_IDLE_TIMEOUT_SECS: "detectors.sequence.idleTimeoutSecs",
  SEQUENCE_WARMUP_SESSIONS: "detectors.sequence.warmupSessions",
  SEQUENCE_TOP_G: "detectors.sequence.topG",
  WINDOW_FOREST_ENABLED: "detectors.windowForest.enabled",
  WINDOW_FOREST_WINDOW_SECS: "detectors.windowForest.windowSecs",
  WINDOW_FOREST_WARMUP_WINDOWS: "detectors.windowForest.warmupWindows",
  WINDOW_FOREST_THRESHOLD: "detectors.windowForest.threshold",
};
