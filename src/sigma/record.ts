import type { JsonObject } from "../core/json.js";

/**
 * What the engine reads of a record: a `LogRecord` fits, plus `derived`, fields a caller extracted from the
 * record that its attributes do not hold (the detector adds the authentication extraction's user, source
 * address and outcome, which syslog lines only carry inside their text).
 */
export interface SigmaRecord {
  readonly timestamp: string;
  readonly body: string;
  readonly severityText?: string | null;
  readonly attributes: JsonObject;
  readonly resource: JsonObject;
  readonly derived?: JsonObject;
}
