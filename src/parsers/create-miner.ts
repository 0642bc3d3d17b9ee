import type { TemplateMiner } from "../core/template.js";
import { DrainMiner } from "./drain/index.js";

export interface MinerOptions {
  maxTemplatesPerStream: number;
  maxTokensPerLine: number;
}

/** The one place that picks the template miner implementation. */
export function createMiner(options: MinerOptions): TemplateMiner {
  return new DrainMiner(options);
}
