export type { ModelJson } from "./model-json.js";
export { MODEL_FORMAT, MODEL_VERSION } from "./model-json.js";
export type { NextKeyModelOptions } from "./model-options.js";
export { DEFAULT_NEXT_KEY_OPTIONS, NextKeyModel } from "./next-key-model.js";
export {
  type ClosedSession,
  type CloseReason,
  SessionGrouper,
  type SessionGrouperOptions,
  type SessionKey,
  sessionKeyReader,
} from "./session-grouper.js";
export {
  END,
  type ExpectedKey,
  MAX_REASONS,
  type NextKeyViolation,
  type SessionReason,
  type SessionVerdict,
  START,
} from "./verdict.js";
