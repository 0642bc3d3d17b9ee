import type { Config } from "../config/schema.js";
import type { Detector, DetectorContext } from "../core/detector.js";
import { errorBurstDefinition } from "./error-burst.js";
import { newTemplateDefinition } from "./new-template.js";

/**
 * Every detector Logwarden runs. Adding one = adding its file and one entry here: its definition and
 * where its options live in the config.
 */
const REGISTRY = [
  { definition: newTemplateDefinition, options: (c: Config) => c.detectors.newTemplate },
  { definition: errorBurstDefinition, options: (c: Config) => c.detectors.errorBurst },
] as const;

export function detectorNames(): string[] {
  return REGISTRY.map((entry) => entry.definition.name);
}

/** Builds the enabled detectors from the config. */
export function createDetectors(config: Config, ctx: DetectorContext): Detector[] {
  const detectors: Detector[] = [];
  for (const entry of REGISTRY) {
    const options = entry.options(config);
    if (!options.enabled) continue;
    // Each definition validates its own slice; the cast is safe because the slice comes from the schema.
    detectors.push(
      (entry.definition as { create(o: unknown, c: DetectorContext): Detector }).create(options, ctx),
    );
  }
  return detectors;
}
