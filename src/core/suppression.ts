/** One active suppression: a detector, optionally narrowed to a key and/or a template. */
export interface Suppression {
  id: number;
  detector: string;
  key: string | null;
  templateId: string | null;
  /**
   * The judged anomaly's score: only findings no stronger than it are dropped, so an escalation on a
   * muted entity (more failures, a higher rate) still fires. Null: any score (suppressions made before
   * the ceiling existed and had no anomaly to take it from).
   */
  maxScore: number | null;
  /** Epoch ms, or null for no expiry. */
  expiresAt: number | null;
}
