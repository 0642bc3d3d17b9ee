/**
 * Why a rule cannot be loaded. A rule using something the engine does not evaluate exactly is refused
 * whole, never half-applied: a detection with one selection dropped would match what its author excluded.
 * `kind` groups refusals for reports (bench:sigma, `logwarden rules test`); `message` says what in the rule.
 */
export const REFUSAL_KINDS = [
  "yaml",
  "schema",
  "condition",
  "modifier",
  "regex",
  "placeholder",
  "value",
  "correlation",
  "duplicate",
] as const;
export type RefusalKind = (typeof REFUSAL_KINDS)[number];

export class Unsupported extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
  ) {
    super(message);
    this.name = "Unsupported";
  }
}

/** A rule (or a file) that was not loaded, and why. */
export interface Refusal {
  /** The file the rule came from (and its document number when the file holds several). */
  source: string;
  id: string | null;
  title: string | null;
  kind: RefusalKind;
  reason: string;
}
