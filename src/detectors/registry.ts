import type { Config } from "../config/schema.js";
import type { Detector, DetectorContext } from "../core/detector.js";
import { bruteForceDefinition } from "./auth/brute-force.js";
import { newSourceIpDefinition } from "./auth/new-source-ip.js";
import { passwordSprayingDefinition } from "./auth/password-spraying.js";
import { privilegeEscalationDefinition } from "./auth/privilege-escalation.js";
import { successAfterFailuresDefinition } from "./auth/success-after-failures.js";
import { unusualLoginHourDefinition } from "./auth/unusual-login-hour.js";
import { errorBurstDefinition } from "./error-burst.js";
import { newTemplateDefinition } from "./new-template.js";
import { rareTemplateDefinition } from "./rare-template.js";
import { sequenceDefinition } from "./sequence-detector/detector.js";
import { volumeDefinition } from "./volume.js";
import { wifiDefinition } from "./wifi.js";
import { windowForestDefinition } from "./window-forest/detector.js";

/**
 * Every detector Logwarden runs. Adding one = adding its file and one entry here: its definition and
 * where its options live in the config.
 */
const REGISTRY = [
  { definition: newTemplateDefinition, options: (c: Config) => withKeys(c, c.detectors.newTemplate) },
  { definition: errorBurstDefinition, options: (c: Config) => withKeys(c, c.detectors.errorBurst) },
  { definition: rareTemplateDefinition, options: (c: Config) => withKeys(c, c.detectors.rareTemplate) },
  { definition: volumeDefinition, options: (c: Config) => withKeys(c, c.detectors.volume) },
  { definition: bruteForceDefinition, options: (c: Config) => withKeys(c, c.detectors.bruteForce) },
  {
    definition: passwordSprayingDefinition,
    options: (c: Config) => withKeys(c, c.detectors.passwordSpraying),
  },
  {
    definition: successAfterFailuresDefinition,
    options: (c: Config) => withKeys(c, c.detectors.successAfterFailures),
  },
  { definition: newSourceIpDefinition, options: (c: Config) => withKeys(c, c.detectors.newSourceIp) },
  {
    definition: unusualLoginHourDefinition,
    options: (c: Config) => withKeys(c, c.detectors.unusualLoginHour),
  },
  {
    definition: privilegeEscalationDefinition,
    options: (c: Config) => withKeys(c, c.detectors.privilegeEscalation),
  },
  { definition: wifiDefinition, options: (c: Config) => withKeys(c, c.detectors.wifi) },
  { definition: sequenceDefinition, options: (c: Config) => c.detectors.sequence },
  { definition: windowForestDefinition, options: (c: Config) => c.detectors.windowForest },
] as const;

/** A detector's options plus the shared per-detector key cap. */
function withKeys<T extends object>(c: Config, options: T): T & { maxKeys: number } {
  return { ...options, maxKeys: c.detectors.maxKeys };
}

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
