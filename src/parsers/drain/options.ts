import { MINER_DEFAULTS } from "../../core/template.js";

/** Miner settings. One default configuration is meant to serve every source: no per-format tuning. */
export interface DrainOptions {
  /** Live templates kept per stream; the least recently matched one is evicted beyond this. */
  maxTemplatesPerStream?: number;
  /** Tokens kept per line; the rest of a longer line is folded into the last token. */
  maxTokensPerLine?: number;
  /**
   * How many different literal values one position must show, all other positions being equal, before the
   * miner decides that position is a parameter and merges those templates (Brain-style variability test).
   */
  mergeThreshold?: number;
  /** Lineage links kept per stream (oldest dropped first). */
  maxLineage?: number;
}

export const DEFAULT_OPTIONS: Required<DrainOptions> = {
  ...MINER_DEFAULTS,
  mergeThreshold: 4,
  maxLineage: 100_000,
};
