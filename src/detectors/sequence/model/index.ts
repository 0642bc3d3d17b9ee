/**
 * The next-key model the sequence detector (../detector.ts) judges sessions with: which key follows
 * which history (NextKeyModel over a HistoryTrie), its JSON form and its verdicts. It knows keys, not
 * records: grouping records into sessions is the detector's (../session-grouper.ts).
 */
export type { ModelJson } from "./model-json.js";
export { MODEL_FORMAT, MODEL_VERSION } from "./model-json.js";
export type { NextKeyModelOptions } from "./model-options.js";
export { DEFAULT_NEXT_KEY_OPTIONS, NextKeyModel } from "./next-key-model.js";
export {
  END,
  type ExpectedKey,
  MAX_REASONS,
  type NextKeyViolation,
  type SessionReason,
  type SessionVerdict,
  START,
} from "./verdict.js";
