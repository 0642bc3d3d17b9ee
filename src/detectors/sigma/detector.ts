/**
 * The `sigma` detector: a thin adapter between the pipeline and the Sigma engine (src/sigma). It loads the
 * rules of `SIGMA_RULES_DIR` once, runs every record through them (syslog records with the authentication
 * extraction's fields added), and turns standalone rule matches and correlation matches into findings.
 * Its state (correlation windows, hits per rule) is saved and restored like every detector's, and journalled
 * for a batch's rollback. Off (not created) without a rules folder.
 */
import type { Anomaly } from "../../core/anomaly.js";
import { type Clock, systemClock } from "../../core/clock.js";
import type { Detector, DetectorDefinition, DetectorStatus } from "../../core/detector.js";
import { isJsonObject, type JsonValue } from "../../core/json.js";
import type { ParsedRecord } from "../../core/log-record.js";
import { UndoLog } from "../../core/undo.js";
import { defaultMappings } from "../../sigma/default-mappings.js";
import { SigmaEngine } from "../../sigma/engine.js";
import { loadRules, readRuleFiles } from "../../sigma/load-rules.js";
import { readPlaceholders } from "../../sigma/placeholders.js";
import type { SigmaRecord } from "../../sigma/record.js";
import { raisesFindings } from "../../sigma/rules.js";
import { SigmaSession } from "../../sigma/session.js";
import { DerivedFields } from "./derived-fields.js";
import { correlationFinding, DETECTOR, detectionFinding } from "./findings.js";

export interface SigmaOptions {
  enabled: boolean;
  rulesDir?: string;
  mappingsDir?: string;
  placeholdersFile?: string;
  /** Correlation groups kept per correlation rule. */
  maxKeys: number;
}

/** Hits of one rule: how many matches, and the record time of the last. */
export interface RuleHits {
  count: number;
  last: string;
}

/**
 * Engines by rules folder and mappings: loading and compiling thousands of rules takes seconds, and every
 * detector set (serve's, each analysis) over the same folder can share one (an engine keeps no state
 * between events; correlations live in each detector's session).
 */
const engines = new Map<string, SigmaEngine>();
export function engineFor(rulesDir: string, mappingsDir?: string, placeholdersFile?: string): SigmaEngine {
  const key = `${rulesDir}\u0000${mappingsDir ?? ""}\u0000${placeholdersFile ?? ""}`;
  let engine = engines.get(key);
  if (!engine) {
    const placeholders = readPlaceholders(placeholdersFile);
    engine = new SigmaEngine(
      loadRules(readRuleFiles(rulesDir), { placeholders }),
      defaultMappings(mappingsDir),
    );
    engines.set(key, engine);
  }
  return engine;
}

const STATE_VERSION = 1;

export class SigmaDetector implements Detector {
  readonly name = DETECTOR;
  readonly undo = new UndoLog();
  readonly session: SigmaSession;
  readonly #hits = new Map<string, RuleHits>();
  readonly #derived = new DerivedFields(this.undo);
  #journalEpoch = -1;

  constructor(
    readonly engine: SigmaEngine,
    options: Pick<SigmaOptions, "maxKeys">,
    /** Wall time, for correlation windows that close while nothing arrives (the pipeline's clock). */
    readonly clock: Clock = systemClock,
  ) {
    this.session = new SigmaSession(engine, { maxGroups: options.maxKeys, undo: this.undo });
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    const out: Anomaly[] = [];
    for (const record of batch) {
      // A record no mapping reads meets no rule. One whose mapping reads no derived field (a Windows event)
      // skips the authentication parse: it states no sshd or PAM attempt the derived fields' stream state
      // would have to count.
      const mapping = this.engine.mappingOf(record);
      if (!mapping) continue;
      const input: ParsedRecord & SigmaRecord = mapping.readsDerived ? this.#derived.of(record) : record;
      const result = this.session.process(input, record.id, this.clock.now(), mapping);
      for (const m of result.matches) {
        this.#hit(m.rule.id, record.timestamp);
        if (raisesFindings(m.rule)) out.push(detectionFinding(m, record, input.derived));
      }
      for (const c of result.correlations) {
        this.#hit(c.rule.id, record.timestamp);
        if (raisesFindings(c.rule)) out.push(correlationFinding(c, record));
      }
    }
    return out;
  }

  /** Correlation windows whose timespan passed with nothing arriving (conditions judged at a window's end). */
  tick(now: number): Anomaly[] {
    const out: Anomaly[] = [];
    for (const c of this.session.tick(now)) {
      this.#hit(c.rule.id, new Date(c.time).toISOString());
      if (raisesFindings(c.rule)) out.push(correlationFinding(c, null));
    }
    return out;
  }

  /**
   * Switches rules off (ids; every other rule on): a disabled rule raises no finding, counts no hit and
   * feeds no correlation. Kept in the store by the rules service (PATCH /api/v1/rules/{id}), not in the
   * detector's state.
   */
  setDisabled(ids: Iterable<string>): void {
    this.session.disabled = new Set(ids);
  }

  isEnabled(ruleId: string): boolean {
    return !this.session.disabled.has(ruleId);
  }

  /** Hits per rule id since the state began (the rules listing reads them). */
  hits(): ReadonlyMap<string, RuleHits> {
    return this.#hits;
  }

  #hit(ruleId: string, at: string): void {
    // The whole hit table is small (one entry per rule that matched); one copy per batch puts it back.
    if (this.undo.recording && this.#journalEpoch !== this.undo.epoch) {
      this.#journalEpoch = this.undo.epoch;
      const before = new Map([...this.#hits].map(([k, v]) => [k, { ...v }]));
      this.undo.push(() => {
        this.#hits.clear();
        for (const [k, v] of before) this.#hits.set(k, v);
      });
    }
    const h = this.#hits.get(ruleId);
    if (h) {
      h.count++;
      if (at > h.last) h.last = at;
    } else this.#hits.set(ruleId, { count: 1, last: at });
  }

  status(): DetectorStatus {
    const { detections, correlations, refused } = this.engine.rules;
    let matches = 0;
    for (const h of this.#hits.values()) matches += h.count;
    return {
      name: this.name,
      phase: "active",
      detail: `${detections.length} rules and ${correlations.length} correlations loaded, ${refused.length} refused; ${matches} matches; ${this.session.correlator.groupCount} correlation groups open`,
    };
  }

  exportState(): JsonValue {
    return {
      version: STATE_VERSION,
      correlations: this.session.correlator.exportState(),
      attempts: this.#derived.exportState(),
      hits: [...this.#hits].map(([id, h]) => [id, h.count, h.last]),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== STATE_VERSION) return;
    this.session.correlator.importState(state.correlations ?? null);
    this.#derived.importState(state.attempts);
    if (Array.isArray(state.hits))
      for (const h of state.hits)
        if (Array.isArray(h) && typeof h[0] === "string")
          this.#hits.set(h[0], { count: Number(h[1]), last: String(h[2]) });
  }
}

export const sigmaDefinition: DetectorDefinition<SigmaOptions> = {
  name: DETECTOR,
  description: "Sigma detection and correlation rules from SIGMA_RULES_DIR (docs/sigma.md).",
  create: (options, ctx) => {
    if (!options.rulesDir) throw new Error("the sigma detector needs SIGMA_RULES_DIR");
    return new SigmaDetector(
      engineFor(options.rulesDir, options.mappingsDir, options.placeholdersFile),
      options,
      ctx.clock,
    );
  },
};
