/**
 * The engine and the correlations together, as the detector and `logwarden rules test` run them: each
 * record is evaluated, its matches feed the correlations that refer to their rules, and what comes out is
 * split into what is a finding of its own (`standalone` rules, and correlations) and what only fed a
 * correlation.
 */
import type { UndoLog } from "../core/undo.js";
import { type CorrelationMatch, Correlator } from "./correlation/correlator.js";
import type { RuleMatch, SigmaEngine } from "./engine.js";
import type { LogSourceMapping } from "./log-source-mapping.js";
import type { SigmaRecord } from "./record.js";

export interface SessionOutput {
  /** Every detection rule that matched, standalone or not (the test command lists them all). */
  matches: RuleMatch[];
  /** Correlations this record completed. */
  correlations: CorrelationMatch[];
}

export class SigmaSession {
  readonly correlator: Correlator;
  /**
   * Rules switched off (ids): their matches are dropped before anything reads them, so a disabled
   * detection rule feeds no correlation, and a disabled correlation completes nothing.
   */
  disabled: ReadonlySet<string> = new Set();

  constructor(
    readonly engine: SigmaEngine,
    options: { maxGroups: number; undo?: UndoLog },
  ) {
    this.correlator = new Correlator(engine.rules.correlations, options);
  }

  /**
   * `ref`: the record's reference (its id, or its line number), cited by correlations as evidence.
   * `mapping`: the record's, when the caller asked the engine already (`SigmaEngine.mappingOf`).
   */
  process(
    record: SigmaRecord,
    ref: number,
    wallNow = Date.now(),
    mapping: LogSourceMapping | null | undefined = undefined,
  ): SessionOutput {
    // `undefined` lets the engine find the mapping itself (its parameter's default).
    const ev = this.engine.evaluate(record, mapping);
    if (!ev) return { matches: [], correlations: [] };
    const disabled = this.disabled;
    const matches = disabled.size === 0 ? ev.matches : ev.matches.filter((m) => !disabled.has(m.rule.id));
    let correlations: CorrelationMatch[] = [];
    for (const m of matches) {
      if (!this.correlator.consumes(m.rule.id)) continue;
      const out = this.correlator.observe(
        { ruleId: m.rule.id, time: ev.time, refs: [ref], read: (field) => ev.read(field) },
        wallNow,
      );
      if (out.length > 0) correlations = correlations.length === 0 ? out : [...correlations, ...out];
    }
    return { matches, correlations: this.#enabled(correlations) };
  }

  tick(wallNow: number): CorrelationMatch[] {
    return this.#enabled(this.correlator.tick(wallNow));
  }

  #enabled(correlations: CorrelationMatch[]): CorrelationMatch[] {
    const disabled = this.disabled;
    return disabled.size === 0 || correlations.length === 0
      ? correlations
      : correlations.filter((c) => !disabled.has(c.rule.id));
  }
}
