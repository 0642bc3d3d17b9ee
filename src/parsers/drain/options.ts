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
  /**
   * The line-skeleton fast path (`skeleton.ts`). It changes no result, only the work: off, every line
   * is scanned, which the tests compare it with.
   */
  skeletonMemo?: boolean;
}

export const DEFAULT_OPTIONS: ModelOptions = {
  ...MINER_DEFAULTS,
  mergeThreshold: 4,
  maxLineage: 100_000,
};

/** The settings that shape templates (saved with the miner's state); `skeletonMemo` only changes the work. */
export type ModelOptions = Required<Omit<DrainOptions, "skeletonMemo">>;
