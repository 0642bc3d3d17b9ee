import type { Config } from "../config/schema.js";
import { type Clock, systemClock } from "../core/clock.js";
import { createDetectors, type DetectorScope } from "../detectors/registry.js";
import { createMiner } from "../parsers/create-miner.js";
import { Processor } from "./processor.js";

/** A processor (miner + enabled detectors, of `scope`) built from the config; needs no store. */
export function createProcessor(
  config: Config,
  clock: Clock = systemClock,
  scope: DetectorScope = "all",
): Processor {
  return new Processor(
    createMiner(config.miner),
    createDetectors(config, { clock }, scope),
    config.detectors.streamsBySource,
  );
}
