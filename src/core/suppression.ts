/** One active suppression: a detector, optionally narrowed to a key and/or a template. */
export interface Suppression {
  id: number;
  detector: string;
  key: string | null;
  templateId: string | null;
  /** Epoch ms, or null for no expiry. */
  expiresAt: number | null;
}
