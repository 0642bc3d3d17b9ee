/** What NextKeyModel says about one session; plain data so it can be stored or rendered as is. */

/** Written in histories for the padding before the first key. */
export const START = "<start>";
/** Written as the observed key when the session ended where it should not have. */
export const END = "<end>";

export interface ExpectedKey {
  /** A key, or END. */
  key: string;
  /** Relative frequency after the history it was taken from. */
  probability: number;
  /**
   * Length of that history. Shorter than the violation's history when the candidate list was padded
   * from a shorter history (see `padCandidates`).
   */
  historyLength: number;
}

export interface NextKeyViolation {
  /** 0-based index of the observed key; the session's length when the violation is its end. */
  position: number;
  /** The history the expectation came from, after back-off, oldest key first (START for padding). */
  history: string[];
  /** The key that came (END when the session stopped). */
  observed: string;
  /** The top-g keys that were accepted at that point, most likely first. */
  expected: ExpectedKey[];
}

export type SessionReason =
  | { kind: "unseen_key"; position: number; key: string }
  | { kind: "unexpected_key"; position: number; key: string }
  | { kind: "unexpected_end"; position: number }
  | { kind: "too_short"; length: number; minLength: number }
  | { kind: "too_long"; length: number; maxLength: number }
  | { kind: "key_count"; key: string; count: number; min: number; max: number };

export interface SessionVerdict {
  anomalous: boolean;
  /**
   * 0–1; at least 0.5 exactly when anomalous. Per position: an accepted key scores
   * 0.5 · rank / g, a rejected one 0.5 + 0.5 · (1 − its probability), an unseen key 1; a length out
   * of range scores 0.5 + 0.5 · its relative distance past the bound (capped at 1). The session
   * takes its worst position, so the score ranks sessions the way the top-g rule decides them.
   */
  score: number;
  /** Length and key-count reasons first, then position reasons in order, at most `MAX_REASONS` of the latter. */
  reasons: SessionReason[];
  /** How many positions broke the rule (all of them, even past `MAX_REASONS`). */
  violations: number;
  firstViolation: NextKeyViolation | null;
}

/** Enough to explain a session; a long broken session would otherwise list hundreds of positions. */
export const MAX_REASONS = 20;
