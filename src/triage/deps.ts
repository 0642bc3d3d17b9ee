import type { Logger } from "pino";
import type { TriageConfig } from "../config/triage-schema.js";
import type { Clock } from "../core/clock.js";
import { isoUtc } from "../core/time.js";
import type { Store } from "../store/db.js";
import type { IncidentGrouper } from "./incidents.js";
import type { IntelLookup } from "./intel-lookup.js";
import type { LlmAnalyzer } from "./llm.js";
import type { NetworkClassifier } from "./network.js";

/** What the stages share; built once by `TriageService`. */
export interface TriageDeps {
  readonly store: Store;
  readonly config: TriageConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly network: NetworkClassifier;
  readonly intel: IntelLookup;
  readonly incidents: IncidentGrouper;
  readonly llm: LlmAnalyzer | null;
}

export const nowIso = (deps: { clock: Clock }) => isoUtc(deps.clock.now());
