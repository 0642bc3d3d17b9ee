import { type Anomaly, WINDOW_EVIDENCE } from "../../core/anomaly.js";
import type { Clock } from "../../core/clock.js";
import type {
  Detector,
  DetectorDefinition,
  DetectorStatus,
  Retrainable,
  TrainedModel,
} from "../../core/detector.js";
import { isJsonObject, type JsonValue } from "../../core/json.js";
import type { ParsedRecord } from "../../core/log-record.js";
import { severityFromScore } from "../../core/severity.js";
import { isoUtc } from "../../core/time.js";
import { UndoLog } from "../../core/undo.js";
import { IsolationForest } from "../isolation-forest/index.js";
import { chooseFeatures, featureLabel, vectorOf } from "./features.js";
import { addRecord, copyWindow, emptyWindow, type WindowCounts } from "./window.js";

export interface WindowForestOptions {
  windowSecs: number;
  warmupWindows: number;
  retrainWindows: number;
  historyWindows: number;
  maxTemplates: number;
  threshold: number;
}

export const WINDOW_FOREST_MODEL_KIND = "window_forest";
/** Features named in an explanation: the few that isolated the window most. */
const TOP_CONTRIBUTIONS = 5;

interface Fitted {
  forest: IsolationForest;
  features: string[];
  /** Per feature, the median over the training windows: the "usual" of an explanation. */
  medians: number[];
  /** Per feature, the training range and the unit an excess over it is measured in. */
  mins: number[];
  maxs: number[];
  units: number[];
  windows: number;
  /** The windows it was fitted on; a saved state keeps those the capped history has let go since. */
  trainedOn: WindowCounts[];
}

interface Service {
  /** The service its records named (`ParsedRecord.stream`); the map's key is their origin. */
  name: string;
  open: WindowCounts | null;
  /** Record ids and a few bodies of the open window, for evidence and samples. */
  ids: number[];
  samples: string[];
  /** Closed windows judged normal (or seen during warm-up), oldest first. */
  history: WindowCounts[];
  fitted: Fitted | null;
  sinceFit: number;
  flagged: number;
}

/**
 * Isolation Forest over fixed windows of one service's records: each closed window becomes a vector
 * (records, error records, count per frequent template, other templates, mean of numeric parameters)
 * and is scored by a forest fitted on that service's earlier windows. Fitted after `warmupWindows`
 * windows and refitted every `retrainWindows` windows on the kept history (flagged windows are kept
 * out of it, so an incident does not become normal). A window scoring at least `threshold` is an
 * anomaly, explained by the features that isolated it: "template X count 120 vs usual 3". A feature
 * outside its training range also scores (`rangeScore`): a column constant in training is never
 * split on, so the forest alone would not see a spike in it.
 */
export class WindowForestDetector implements Detector, Retrainable {
  readonly name = "window_forest";
  readonly #services = new Map<string, Service>();
  readonly #templates = new Map<string, string>();
  #lastObserved = 0;
  readonly undo = new UndoLog();
  /** Services already journaled in the undo log's current batch. */
  readonly #remembered = new Set<Service>();
  #rememberedEpoch = -1;

  constructor(
    readonly options: WindowForestOptions,
    readonly clock: Clock,
  ) {
    this.undo.keep(
      () => this.#lastObserved,
      (value) => {
        this.#lastObserved = value;
      },
    );
  }

  /**
   * Journals a service before a batch first changes it: its open window, evidence and counters are
   * copied; closed windows are never changed in place, so the history is copied as a list, and a fitted
   * model is replaced, never changed, so it is kept as it is.
   */
  #remember(s: Service): void {
    const log = this.undo;
    if (!log.recording) return;
    if (this.#rememberedEpoch !== log.epoch) {
      this.#rememberedEpoch = log.epoch;
      this.#remembered.clear();
    }
    if (this.#remembered.has(s)) return;
    this.#remembered.add(s);
    const saved: Service = {
      name: s.name,
      open: s.open && copyWindow(s.open),
      ids: [...s.ids],
      samples: [...s.samples],
      history: [...s.history],
      fitted: s.fitted,
      sinceFit: s.sinceFit,
      flagged: s.flagged,
    };
    log.push(restoreService(s, saved));
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    this.#lastObserved = this.clock.now();
    const out: Anomaly[] = [];
    const windowMs = this.options.windowSecs * 1000;
    for (const record of batch) {
      const at = Date.parse(record.timestamp);
      if (!Number.isFinite(at)) continue;
      const start = Math.floor(at / windowMs) * windowMs;
      const s = this.#service(record.origin, record.stream);
      this.#remember(s);
      // Late records of an earlier window are counted in the open one rather than reopening the past.
      if (s.open && start > s.open.start) this.#close(record.origin, s, out);
      s.open ??= emptyWindow(start);
      const id = record.templateId;
      if (!this.#templates.has(id)) this.undo.push(forgetTemplate(this.#templates, id));
      addRecord(s.open, record, this.#templates);
      if (s.ids.length < WINDOW_EVIDENCE) s.ids.push(record.id);
      if (s.samples.length < 3) s.samples.push(record.body);
    }
    return out;
  }

  /** Input quiet for a window's length on the wall clock: close the open windows. */
  tick(now: number): Anomaly[] {
    if (now - this.#lastObserved < this.options.windowSecs * 1000) return [];
    const out: Anomaly[] = [];
    for (const [name, s] of this.#services) {
      if (!s.open) continue;
      this.#remember(s);
      this.#close(name, s, out);
    }
    return out;
  }

  /**
   * End of input: the open windows are partial (the file ended inside them), so they are dropped
   * rather than judged; a short last window would look like a drop in volume.
   */
  flush(): Anomaly[] {
    for (const s of this.#services.values()) {
      s.open = null;
      s.ids = [];
      s.samples = [];
    }
    return [];
  }

  /** The windows of `name` (an origin: a service from one source), whose records name `service`. */
  #service(name: string, service: string): Service {
    let s = this.#services.get(name);
    if (!s) {
      s = {
        name: service,
        open: null,
        ids: [],
        samples: [],
        history: [],
        fitted: null,
        sinceFit: 0,
        flagged: 0,
      };
      this.#services.set(name, s);
      this.undo.push(() => this.#services.delete(name));
    }
    return s;
  }

  #close(name: string, s: Service, out: Anomaly[]): void {
    const w = s.open!;
    const ids = s.ids;
    const samples = s.samples;
    s.open = null;
    s.ids = [];
    s.samples = [];
    if (s.fitted) {
      const row = vectorOf(w, s.fitted.features);
      const score = Math.max(s.fitted.forest.anomalyScore(row), rangeScore(s.fitted, row));
      if (score >= this.options.threshold) {
        s.flagged++;
        out.push(this.#anomaly(name, s.name, w, row, score, s.fitted, ids, samples));
        return;
      }
    }
    s.history.push(w);
    if (s.history.length > this.options.historyWindows) s.history.shift();
    s.sinceFit++;
    const due = s.fitted
      ? s.sinceFit >= this.options.retrainWindows
      : s.history.length >= this.options.warmupWindows;
    if (due) this.#fit(s);
  }

  #fit(s: Service): void {
    const features = chooseFeatures(s.history, this.options.maxTemplates);
    const rows = s.history.map((w) => vectorOf(w, features));
    const forest = IsolationForest.fit(rows, { numTrees: 100, maxSamples: 256, seed: 42 });
    const medians = features.map((_, j) => median(rows.map((r) => r[j]!)));
    const mins = features.map((_, j) => Math.min(...rows.map((r) => r[j]!)));
    const maxs = features.map((_, j) => Math.max(...rows.map((r) => r[j]!)));
    const units = features.map((_, j) => Math.max(maxs[j]! - mins[j]!, 0.5 * Math.abs(medians[j]!), 1));
    s.fitted = {
      forest,
      features,
      medians,
      mins,
      maxs,
      units,
      windows: rows.length,
      trainedOn: [...s.history],
    };
    s.sinceFit = 0;
  }

  #anomaly(
    origin: string,
    service: string,
    w: WindowCounts,
    row: number[],
    score: number,
    fitted: Fitted,
    ids: number[],
    samples: string[],
  ): Anomaly {
    const templateOf = (id: string) => this.#templates.get(id) ?? id;
    // Features outside their training range first (a feature constant in training cannot be split on,
    // so the forest alone never isolates a change in it), then the forest's own attribution.
    const excess = fitted.features.map((_, j) => excessOf(fitted, row, j));
    const total = excess.reduce((a, b) => a + b, 0);
    const outside = excess
      .map((e, feature) => ({ feature, weight: total > 0 ? e / total : 0 }))
      .filter((c) => c.weight > 0)
      .sort((a, b) => b.weight - a.weight);
    const taken = new Set(outside.map((c) => c.feature));
    const top = [
      ...outside,
      ...fitted.forest
        .explain(row)
        .filter((c) => c.weight > 0 && !taken.has(c.feature))
        .map((c) => ({ feature: c.feature, weight: total > 0 ? 0 : c.weight })),
    ].slice(0, TOP_CONTRIBUTIONS);
    const round = (v: number) => Math.round(v * 100) / 100;
    const contributions = top.map((c) => ({
      name: featureLabel(fitted.features[c.feature]!, templateOf),
      value: round(row[c.feature]!),
      weight: round(c.weight),
    }));
    const parts = top
      .slice(0, 3)
      .map(
        (c) =>
          `${featureLabel(fitted.features[c.feature]!, templateOf)} ${round(row[c.feature]!)} vs usual ${round(fitted.medians[c.feature]!)}`,
      );
    const from = isoUtc(w.start);
    const summary = `${origin}, window from ${from} (${this.options.windowSecs} s): ${parts.join("; ")}`;
    const observed: Record<string, number> = {};
    const expected: Record<string, number> = {};
    for (const c of top) {
      const label = featureLabel(fitted.features[c.feature]!, templateOf);
      observed[label] = round(row[c.feature]!);
      expected[label] = round(fitted.medians[c.feature]!);
    }
    return {
      detector: this.name,
      type: "window_outlier",
      timestamp: isoUtc(w.start + this.options.windowSecs * 1000),
      service,
      key: origin,
      score,
      severity: severityFromScore(score),
      description: summary,
      features: {
        score: round(score),
        threshold: this.options.threshold,
        records: w.records,
        window_start: from,
      },
      explanation: {
        summary,
        observed: { ...observed, records: w.records, score: round(score) },
        expected: { ...expected, max_score: this.options.threshold, training_windows: fitted.windows },
        contributions,
        samples,
      },
      evidence: ids,
    };
  }

  /** Refits every warmed-up service now; the model versioned is all services' forests. */
  retrain(_now: number): TrainedModel {
    const services: Record<string, JsonValue> = {};
    let trainingSize = 0;
    for (const [name, s] of this.#services) {
      // Never before the warm-up: a forest on a handful of windows would flag ordinary ones.
      if (s.history.length >= this.options.warmupWindows) this.#fit(s);
      if (!s.fitted) continue;
      trainingSize += s.fitted.windows;
      services[name] = {
        features: s.fitted.features,
        medians: s.fitted.medians,
        forest: s.fitted.forest.toJSON() as unknown as JsonValue,
      };
    }
    return {
      kind: WINDOW_FOREST_MODEL_KIND,
      key: "services",
      parameters: { ...this.options },
      trainingSize,
      features: Object.fromEntries(
        Object.entries(services).map(([k, v]) => [k, isJsonObject(v) ? (v.features ?? []) : []]),
      ),
      metrics: Object.fromEntries([...this.#services].map(([k, s]) => [k, { flagged: s.flagged }])),
      artifact: { services },
    };
  }

  status(): DetectorStatus {
    let fitted = 0;
    let flagged = 0;
    for (const s of this.#services.values()) {
      if (s.fitted) fitted++;
      flagged += s.flagged;
    }
    const warming = this.#services.size - fitted;
    return {
      name: this.name,
      phase: fitted === 0 ? "learning" : "active",
      detail:
        fitted === 0
          ? `warming up: ${Math.max(0, ...[...this.#services.values()].map((s) => s.history.length))} of ${this.options.warmupWindows} windows closed`
          : `${fitted} service(s) with a forest, ${warming} warming up; ${flagged} window(s) flagged`,
    };
  }

  /**
   * The windows are the state; forests are refitted on import from the windows they were fitted on
   * (seeded, so identical), not from the history as it is now, which has grown since the last fit.
   */
  exportState(): JsonValue {
    return {
      version: 1,
      templates: Object.fromEntries(this.#templates),
      // Quiet before the save counts towards `tick`; the time it was stopped does not.
      quietMs: this.clock.now() - this.#lastObserved,
      services: Object.fromEntries(
        [...this.#services].map(([k, s]) => {
          const trainedOn = s.fitted?.trainedOn ?? [];
          const retired = trainedOn.slice(0, trainedOn.length - (s.history.length - s.sinceFit));
          return [
            k,
            {
              ...(s.name !== k ? { name: s.name } : {}),
              history: s.history as unknown as JsonValue,
              fitted: s.fitted !== null,
              flagged: s.flagged,
              sinceFit: s.sinceFit,
              retired: retired as unknown as JsonValue,
              open: s.open as unknown as JsonValue,
              ids: s.ids,
              samples: s.samples,
            },
          ];
        }),
      ),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !isJsonObject(state.services)) return;
    if (isJsonObject(state.templates))
      for (const [id, t] of Object.entries(state.templates))
        if (typeof t === "string") this.#templates.set(id, t);
    if (typeof state.quietMs === "number") this.#lastObserved = this.clock.now() - state.quietMs;
    for (const [name, value] of Object.entries(state.services)) {
      if (!isJsonObject(value) || !Array.isArray(value.history)) continue;
      const s = this.#service(name, typeof value.name === "string" ? value.name : name);
      s.history = value.history as unknown as WindowCounts[];
      s.flagged = Number(value.flagged ?? 0);
      const sinceFit = Math.min(Number(value.sinceFit ?? 0) || 0, s.history.length);
      if (value.fitted === true && s.history.length > 0) {
        const history = s.history;
        const retired = Array.isArray(value.retired) ? (value.retired as unknown as WindowCounts[]) : [];
        s.history = [...retired, ...history.slice(0, history.length - sinceFit)];
        this.#fit(s);
        s.history = history;
      }
      s.sinceFit = sinceFit;
      if (isJsonObject(value.open)) s.open = value.open as unknown as WindowCounts;
      if (Array.isArray(value.ids)) s.ids = value.ids.map(Number);
      if (Array.isArray(value.samples)) s.samples = value.samples.map(String);
    }
  }
}

/** How far past its training range a feature is, in units of that range (0 inside it). */
function excessOf(f: Fitted, row: readonly number[], j: number): number {
  const v = row[j]!;
  const past = v > f.maxs[j]! ? v - f.maxs[j]! : v < f.mins[j]! ? f.mins[j]! - v : 0;
  return past / f.units[j]!;
}

/**
 * The range check's score on the forest's scale: 0.5 inside every range, 0.75 one unit outside,
 * 1 from two units. It complements the forest where it is blind (constant training features).
 */
function rangeScore(f: Fitted, row: readonly number[]): number {
  let worst = 0;
  for (let j = 0; j < row.length; j++) worst = Math.max(worst, excessOf(f, row, j));
  return Math.min(1, 0.5 + 0.25 * worst);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const windowForestDefinition: DetectorDefinition<WindowForestOptions> = {
  name: "window_forest",
  description:
    "Isolation Forest over per-service windows (template counts, error count, numeric parameters); explains the features that isolated a window.",
  create: (options, ctx) => new WindowForestDetector(options, ctx.clock),
};

/*
 * Rollback steps made outside the per-record methods that journal them: a function that makes a closure
 * over its parameters or a loop's variables gets a context object on every call or turn, whichever
 * branch it takes (docs/architecture.md, "Records cross as JSON text, and the collector's share").
 */
function restoreService(s: Service, saved: Service): () => void {
  return () => Object.assign(s, saved);
}

function forgetTemplate(templates: { delete(id: string): unknown }, id: string): () => void {
  return () => templates.delete(id);
}
