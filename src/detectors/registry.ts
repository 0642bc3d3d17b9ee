import type { Config } from "../config/schema.js";
import type { Detector, DetectorContext, DetectorDefinition, DetectorKind } from "../core/detector.js";
import { bruteForceDefinition } from "./auth/brute-force.js";
import { newSourceIpDefinition } from "./auth/new-source-ip.js";
import { passwordSprayingDefinition } from "./auth/password-spraying.js";
import { privilegeEscalationDefinition } from "./auth/privilege-escalation.js";
import { successAfterFailuresDefinition } from "./auth/success-after-failures.js";
import { unusualLoginHourDefinition } from "./auth/unusual-login-hour.js";
import { errorBurstDefinition } from "./error-burst.js";
import { newTemplateDefinition } from "./new-template.js";
import { rareTemplateDefinition } from "./rare-template.js";
import { sequenceDefinition } from "./sequence/detector.js";
import { severeEventsDefinition } from "./severe-events.js";
import { sigmaDefinition } from "./sigma/detector.js";
import { volumeDefinition } from "./volume.js";
import { wifiDefinition } from "./wifi.js";
import { windowForestDefinition } from "./window-forest/detector.js";

/**
 * Every detector Logwarden runs. Adding one = adding its file and one entry here: its definition, its
 * kind (security or operational) and where its options live in the config.
 */
const REGISTRY: readonly {
  definition: Pick<DetectorDefinition<never>, "name" | "create">;
  kind: DetectorKind;
  options: (c: Config) => { enabled: boolean };
  /**
   * Judges across streams: entities (users, addresses), since an attack on sshd, the mail server and the
   * VPN is one, and sessions, whose lines may come from several services. A cluster runs these once, at
   * the owner of the facts every partition passes on (src/distribution/entity-owner.ts, entity-facts.ts),
   * and the others in each stream's partition.
   */
  acrossStreams?: true;
}[] = [
  {
    definition: newTemplateDefinition,
    kind: "operational",
    // Severe lines are the severe-event detector's (judged from the first line), when it runs.
    options: (c: Config) =>
      withKeys(c, { ...c.detectors.newTemplate, leaveSevere: c.detectors.severeEvents.enabled }),
  },
  {
    definition: errorBurstDefinition,
    kind: "operational",
    options: (c: Config) => withKeys(c, c.detectors.errorBurst),
  },
  {
    definition: severeEventsDefinition,
    kind: "operational",
    options: (c: Config) => withKeys(c, c.detectors.severeEvents),
  },
  {
    definition: rareTemplateDefinition,
    kind: "operational",
    options: (c: Config) => withKeys(c, c.detectors.rareTemplate),
  },
  {
    definition: volumeDefinition,
    kind: "operational",
    options: (c: Config) => withKeys(c, c.detectors.volume),
  },
  {
    definition: bruteForceDefinition,
    kind: "security",
    acrossStreams: true,
    options: (c: Config) => withKeys(c, c.detectors.bruteForce),
  },
  {
    definition: passwordSprayingDefinition,
    kind: "security",
    acrossStreams: true,
    options: (c: Config) => withKeys(c, c.detectors.passwordSpraying),
  },
  {
    definition: successAfterFailuresDefinition,
    kind: "security",
    acrossStreams: true,
    options: (c: Config) => withKeys(c, c.detectors.successAfterFailures),
  },
  {
    definition: newSourceIpDefinition,
    kind: "security",
    acrossStreams: true,
    options: (c: Config) => withKeys(c, c.detectors.newSourceIp),
  },
  {
    definition: unusualLoginHourDefinition,
    kind: "security",
    acrossStreams: true,
    options: (c: Config) => withKeys(c, c.detectors.unusualLoginHour),
  },
  {
    definition: privilegeEscalationDefinition,
    kind: "security",
    acrossStreams: true,
    options: (c: Config) => withKeys(c, c.detectors.privilegeEscalation),
  },
  {
    definition: wifiDefinition,
    kind: "security",
    // One access point's WiFi lines come from hostapd and the kernel (streams in different partitions).
    acrossStreams: true,
    options: (c: Config) => withKeys(c, c.detectors.wifi),
  },
  {
    definition: sigmaDefinition,
    kind: "security",
    options: (c: Config) =>
      withKeys(c, {
        ...c.detectors.sigma,
        enabled: c.detectors.sigma.enabled && c.detectors.sigma.rulesDir !== undefined,
      }),
  },
  {
    definition: sequenceDefinition,
    kind: "operational",
    // A session's lines may come from several services (streams in different partitions).
    acrossStreams: true,
    options: (c: Config) => c.detectors.sequence,
  },
  {
    definition: windowForestDefinition,
    kind: "operational",
    options: (c: Config) => c.detectors.windowForest,
  },
];

/** A detector's options plus the shared per-detector key cap. */
function withKeys<T extends object>(c: Config, options: T): T & { maxKeys: number } {
  return { ...options, maxKeys: c.detectors.maxKeys };
}

export function detectorNames(): string[] {
  return REGISTRY.map((entry) => entry.definition.name);
}

/** Names of the detectors that judge users and addresses across streams (a cluster's entity owner runs them). */
export function detectorNamesAcrossStreams(): string[] {
  return REGISTRY.filter((entry) => entry.acrossStreams === true).map((entry) => entry.definition.name);
}

/** Names of the detectors of one kind, as anomalies carry them (`agent_name`). */
export function detectorNamesOfKind(kind: DetectorKind): string[] {
  return REGISTRY.filter((entry) => entry.kind === kind).map((entry) => entry.definition.name);
}

/**
 * Which detectors a processor runs: `all` (one node), or a cluster's split of them: `streams` (a stream
 * partition's: every detector but those that judge entities across streams) and `entities` (those only).
 */
export type DetectorScope = "all" | "streams" | "entities";

/** Builds the enabled detectors (of `scope`) from the config. */
export function createDetectors(
  config: Config,
  ctx: DetectorContext,
  scope: DetectorScope = "all",
): Detector[] {
  const detectors: Detector[] = [];
  for (const entry of REGISTRY) {
    if (scope !== "all" && (entry.acrossStreams === true) !== (scope === "entities")) continue;
    const options = entry.options(config);
    if (!options.enabled) continue;
    // Each definition validates its own slice; the cast is safe because the slice comes from the schema.
    detectors.push(
      (entry.definition as { create(o: unknown, c: DetectorContext): Detector }).create(options, ctx),
    );
  }
  return detectors;
}
