import type { Anomaly } from "../../core/anomaly.js";
import type { Clock } from "../../core/clock.js";
import type {
  Detector,
  DetectorDefinition,
  DetectorStatus,
  Retrainable,
  TrainedModel,
} from "../../core/detector.js";
import { isJsonObject, type JsonValue } from "../../core/json.js";
import type { LogRecord, ParsedRecord } from "../../core/log-record.js";
import { UndoLog } from "../../core/undo.js";
import { BaselineMatcher } from "./baseline-match.js";
import { type Step, sessionAnomaly } from "./explain.js";
import type { NextKeyModelOptions } from "./model/model-options.js";
import { NextKeyModel } from "./model/next-key-model.js";
import {
  type ClosedSession,
  type OpenSessionState,
  SessionGrouper,
  sessionKeyReader,
} from "./session-grouper.js";
import { parseSessionKey, sessionKeyText } from "./session-key.js";

export interface SequenceDetectorOptions {
  /** `field:NAME`, `regex:PATTERN` or a bare value (see `parseSessionKey`). */
  sessionKey: string;
  idleTimeoutSecs: number;
  maxOpenSessions: number;
  warmupSessions: number;
  historyLength: number;
  topG: number;
  endHistoryLength: number | null;
  lengthMargin: number | null;
  countMargin: number | null;
}

export const SEQUENCE_MODEL_KIND = "sequence";
/** Samples are for people; a kilobyte line adds nothing a 240-character one does not. */
const SAMPLE_CHARS = 240;
/** The grouper reads the session id from this attribute of the light records it keeps. */
const SESSION_FIELD = "\u0000session";

type Held = LogRecord & { step: Step };

/**
 * A baseline's longest in-session gap underestimates the longest one judging will meet (a sample's
 * maximum), so the idle timeout learned from it gets this margin.
 */
const BASELINE_GAP_MARGIN = 1.5;

/**
 * Groups records into sessions (by a field or a regex on the message), learns which template follows
 * which from the first `warmupSessions` closed sessions, then judges every session as it closes: a
 * next template outside the expected ones, a template never seen in training, an end where training
 * sessions never ended, a length or a per-template count outside the trained range. Keys are template
 * ids, so raw logs work. Time is record time (replaying an old file behaves as live); `tick` closes
 * sessions once input has been quiet for the idle timeout on the wall clock, and `flush` at the end of
 * input (`analyze`).
 */
export class SequenceDetector implements Detector, Retrainable {
  readonly name = "sequence";
  readonly #options: SequenceDetectorOptions;
  readonly #clock: Clock;
  readonly #readKey: (record: LogRecord) => string | null;
  readonly #grouper: SessionGrouper<Held>;
  readonly #keyText: string;
  /** Record time (ms) of the newest record seen: the grouper's clock. */
  #now = Number.NEGATIVE_INFINITY;
  /** Wall time of the last observe, for `tick`. */
  #lastObserved = 0;
  #model: NextKeyModel | null = null;
  /** Closed sessions (template ids) waiting to be learned from. */
  #training: string[][] = [];
  /** Until `endTraining`, every session is learned from and none judged (`analyze --train`). */
  #forcedTraining = false;
  readonly #templates = new Map<string, string>();
  #judged = 0;
  #anomalous = 0;
  #evicted = 0;
  /** Clock time of the last fit, reported with the versioned model. */
  #trainedAt: number | null = null;
  /** The model's template ids, and matchers for their texts; rebuilt lazily after each fit. */
  #vocabulary: ReadonlySet<string> | null = null;
  #matcher: BaselineMatcher | null = null;
  /** Longest record-time gap inside one baseline session (`beginTraining` … `endTraining`). */
  #baselineGapMs = 0;
  readonly undo = new UndoLog();

  constructor(options: SequenceDetectorOptions, clock: Clock) {
    this.#options = options;
    this.#clock = clock;
    const key = parseSessionKey(options.sessionKey);
    this.#keyText = sessionKeyText(key);
    this.#readKey = sessionKeyReader(key);
    this.#grouper = new SessionGrouper<Held>({
      key: { field: SESSION_FIELD },
      idleTimeoutMs: options.idleTimeoutSecs * 1000,
      maxOpenSessions: options.maxOpenSessions,
      clock: { now: () => this.#now },
      undo: this.undo,
    });
    // Scalars and references: a model is only ever replaced within a batch (its first fit makes a new
    // one), the training list only grows or is replaced, and the derived matchers are caches.
    this.undo.atEachBegin(() => {
      const saved = {
        now: this.#now,
        lastObserved: this.#lastObserved,
        model: this.#model,
        training: this.#training,
        trainingLength: this.#training.length,
        judged: this.#judged,
        anomalous: this.#anomalous,
        evicted: this.#evicted,
        trainedAt: this.#trainedAt,
        vocabulary: this.#vocabulary,
        matcher: this.#matcher,
        baselineGapMs: this.#baselineGapMs,
      };
      return () => {
        this.#now = saved.now;
        this.#lastObserved = saved.lastObserved;
        this.#model = saved.model;
        saved.training.length = saved.trainingLength;
        this.#training = saved.training;
        this.#judged = saved.judged;
        this.#anomalous = saved.anomalous;
        this.#evicted = saved.evicted;
        this.#trainedAt = saved.trainedAt;
        this.#vocabulary = saved.vocabulary;
        this.#matcher = saved.matcher;
        this.#baselineGapMs = saved.baselineGapMs;
      };
    });
  }

  /** The session key as parsed, `field:…` or `regex:…`. */
  get sessionKey(): string {
    return this.#keyText;
  }

  get model(): NextKeyModel | null {
    return this.#model;
  }

  get modelOptions(): Partial<NextKeyModelOptions> {
    const o = this.#options;
    return {
      historyLength: o.historyLength,
      topG: o.topG,
      padCandidates: true,
      endHistoryLength: o.endHistoryLength,
      lengthMargin: o.lengthMargin,
      countMargin: o.countMargin,
    };
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    this.#lastObserved = this.#clock.now();
    const out: Anomaly[] = [];
    for (const record of batch) {
      const id = this.#readKey(record);
      if (id === null) continue;
      const at = Date.parse(record.timestamp);
      if (Number.isFinite(at) && at > this.#now) this.#now = at;
      if (!this.#templates.has(record.templateId)) {
        const templateId = record.templateId;
        this.#templates.set(templateId, record.template);
        this.undo.push(() => this.#templates.delete(templateId));
      }
      const held: Held = {
        timestamp: record.timestamp,
        observedTimestamp: record.observedTimestamp,
        severityText: null,
        severityNumber: record.severityNumber,
        body: "",
        attributes: { [SESSION_FIELD]: id },
        resource: {},
        step: {
          id: record.id,
          templateId: this.#keyOf(record),
          timestamp: record.timestamp,
          stream: record.stream,
          body: record.body.length > SAMPLE_CHARS ? `${record.body.slice(0, SAMPLE_CHARS)}…` : record.body,
        },
      };
      this.#handle(this.#grouper.add(held), out);
    }
    return out;
  }

  /**
   * The key a record is judged under: its template id, or, when the model never saw that id, the
   * trained template its text still matches (see baseline-match.ts); a record that matches none keeps
   * its new id and is an unseen template.
   */
  #keyOf(record: ParsedRecord): string {
    const model = this.#model;
    if (this.#forcedTraining || model === null) return record.templateId;
    this.#vocabulary ??= new Set(model.vocabulary);
    if (this.#vocabulary.has(record.templateId)) return record.templateId;
    this.#matcher ??= new BaselineMatcher(
      [...this.#vocabulary].flatMap((id) => {
        const text = this.#templates.get(id);
        return text === undefined ? [] : [[id, text] as const];
      }),
    );
    return this.#matcher.match(record.body) ?? record.templateId;
  }

  /** Input has been quiet for the idle timeout (wall clock): close and judge every open session. */
  tick(now: number): Anomaly[] {
    if (now - this.#lastObserved < this.#grouper.idleTimeoutMs) return [];
    const out: Anomaly[] = [];
    this.#handle(this.#grouper.flush(), out);
    return out;
  }

  /** End of input: closes and judges (or learns from) every open session. */
  flush(): Anomaly[] {
    const out: Anomaly[] = [];
    this.#handle(this.#grouper.flush(), out);
    return out;
  }

  /**
   * From now until `endTraining`, sessions are only learned from (a baseline file). A baseline is
   * finite, so its sessions are not cut by the idle timeout: a session is everything its id has in
   * the baseline, and the longest pause inside one tells how long judging must wait (`endTraining`).
   */
  beginTraining(): void {
    this.#forcedTraining = true;
    this.#baselineGapMs = 0;
    this.#grouper.idleTimeoutMs = Number.POSITIVE_INFINITY;
  }

  /**
   * Closes the baseline's open sessions, learns from them and fits the model; returns it. Judging then
   * waits, before closing a session as idle, at least 1.5 × the longest pause seen inside a baseline
   * session: a configured timeout shorter than the sessions' normal pauses (a block deleted an hour
   * after it was written) would cut every session in two, and the halves would hide what is missing.
   */
  endTraining(): NextKeyModel | null {
    this.#handle(this.#grouper.flush(), []);
    this.#forcedTraining = false;
    this.#grouper.idleTimeoutMs = Math.max(
      this.#options.idleTimeoutSecs * 1000,
      Math.ceil(this.#baselineGapMs * BASELINE_GAP_MARGIN),
    );
    this.#fit();
    // Record time starts again with the next file; its sessions must not be closed by the old clock.
    this.#now = Number.NEGATIVE_INFINITY;
    return this.#model;
  }

  #handle(closed: readonly ClosedSession<Held>[], out: Anomaly[]): void {
    for (const session of closed) {
      const steps = session.records.map((r) => r.step);
      const keys = steps.map((s) => s.templateId);
      if (session.reason === "evicted") {
        // A session pushed out by the open-session cap is likely incomplete: judging it would raise
        // a false "unexpected end"; learning from it would teach one.
        this.#evicted++;
        continue;
      }
      if (this.#forcedTraining || this.#model === null) {
        if (this.#forcedTraining && session.longestGapMs > this.#baselineGapMs)
          this.#baselineGapMs = session.longestGapMs;
        this.#training.push(keys);
        if (!this.#forcedTraining && this.#training.length >= this.#options.warmupSessions) this.#fit();
        continue;
      }
      const verdict = this.#model.detect(keys);
      this.#judged++;
      if (!verdict.anomalous) continue;
      this.#anomalous++;
      out.push(
        sessionAnomaly(
          this.name,
          { id: session.id, steps, verdict, lengthRange: this.#model.lengthRange },
          (t) => this.#templates.get(t) ?? t,
        ),
      );
    }
  }

  #fit(): void {
    if (this.#training.length === 0) return;
    const model = this.#model ?? new NextKeyModel(this.modelOptions);
    this.#model = model.train(this.#training);
    this.#vocabulary = null;
    this.#matcher = null;
    this.#training = [];
    this.#trainedAt = this.#clock.now();
  }

  /**
   * The model to version (serve's schedule, the API). A count model learns nothing more from a refit,
   * and fitting before the warm-up is complete would judge on too few sessions, so this only reports.
   */
  retrain(_now: number): TrainedModel {
    const model = this.#model;
    return {
      kind: SEQUENCE_MODEL_KIND,
      key: this.#keyText,
      parameters: { ...this.#options },
      trainingSize: model?.sessionsTrained ?? 0,
      features: model ? [...model.vocabulary] : [],
      metrics: {
        sessions_judged: this.#judged,
        sessions_anomalous: this.#anomalous,
        evicted: this.#evicted,
        trained_at: this.#trainedAt === null ? null : new Date(this.#trainedAt).toISOString(),
      },
      artifact: model ? model.toJSON() : null,
    };
  }

  status(): DetectorStatus {
    const open = this.#grouper.openSessions;
    if (this.#model === null)
      return {
        name: this.name,
        phase: "learning",
        detail: `warming up: ${this.#training.length} of ${this.#options.warmupSessions} sessions closed, ${open} open (key ${this.#keyText})`,
      };
    return {
      name: this.name,
      phase: "active",
      detail: `trained on ${this.#model.sessionsTrained} sessions (${this.#model.vocabulary.length} templates); ${this.#judged} judged, ${this.#anomalous} anomalous, ${open} open, ${this.#evicted} evicted; idle timeout ${Math.round(this.idleTimeoutSecs)} s`,
    };
  }

  exportState(): JsonValue {
    return {
      version: 1,
      sessionKey: this.#keyText,
      training: this.#training,
      model: this.#model ? this.#model.toJSON() : null,
      templates: Object.fromEntries(this.#templates),
      judged: this.#judged,
      anomalous: this.#anomalous,
      evicted: this.#evicted,
      idleTimeoutMs: this.#grouper.idleTimeoutMs,
      // Open sessions and the clocks that close them: without them a restart or a hand-over judged
      // sessions cut in two (their first half was lost, the second looked like a session of its own).
      now: Number.isFinite(this.#now) ? this.#now : null,
      quietMs: this.#clock.now() - this.#lastObserved,
      open: this.#grouper
        .openSessionList()
        .map((s) => [
          s.id,
          s.openedAt,
          s.lastSeenAt,
          s.longestGapMs,
          s.records.map((r) => [
            r.observedTimestamp,
            r.severityNumber,
            r.step.id,
            r.step.templateId,
            r.step.timestamp,
            r.step.stream,
            r.step.body,
          ]),
        ]),
    };
  }

  importState(state: JsonValue): void {
    // A model learned for another session key describes other sessions: start learning again.
    if (!isJsonObject(state) || state.version !== 1 || state.sessionKey !== this.#keyText) return;
    if (Array.isArray(state.training))
      this.#training = state.training.filter(
        (s): s is string[] => Array.isArray(s) && s.every((k) => typeof k === "string"),
      );
    if (state.model !== null && state.model !== undefined) {
      const saved = NextKeyModel.fromJSON(state.model);
      // The detection settings are the config's; the counts are the saved model's.
      this.#vocabulary = null;
      this.#matcher = null;
      this.#model = saved.withOptions({
        ...this.modelOptions,
        historyLength: Math.min(this.#options.historyLength, saved.depth),
      });
    }
    if (isJsonObject(state.templates))
      for (const [id, text] of Object.entries(state.templates))
        if (typeof text === "string") this.#templates.set(id, text);
    this.#judged = Number(state.judged ?? 0);
    this.#anomalous = Number(state.anomalous ?? 0);
    this.#evicted = Number(state.evicted ?? 0);
    // A timeout learned from a baseline stays; never below the configured one.
    const idle = Number(state.idleTimeoutMs);
    if (Number.isFinite(idle) && idle > this.#options.idleTimeoutSecs * 1000)
      this.#grouper.idleTimeoutMs = idle;
    if (typeof state.now === "number") this.#now = state.now;
    // Quiet before the save counts towards `tick`'s idle timeout; the time it was stopped does not.
    if (typeof state.quietMs === "number") this.#lastObserved = this.#clock.now() - state.quietMs;
    if (Array.isArray(state.open))
      this.#grouper.restoreOpenSessions(state.open.flatMap((s) => this.#openSession(s)));
  }

  /** One open session as `exportState` wrote it, or nothing when it is not one. */
  #openSession(saved: JsonValue): OpenSessionState<Held>[] {
    if (!Array.isArray(saved) || typeof saved[0] !== "string" || !Array.isArray(saved[4])) return [];
    const [id, openedAt, lastSeenAt, longestGapMs, records] = saved;
    const held: Held[] = [];
    for (const r of records) {
      if (!Array.isArray(r)) continue;
      const [observedTimestamp, severityNumber, recordId, templateId, timestamp, stream, body] = r;
      held.push({
        timestamp: String(timestamp),
        observedTimestamp: String(observedTimestamp),
        severityText: null,
        severityNumber: Number(severityNumber),
        body: "",
        attributes: { [SESSION_FIELD]: id },
        resource: {},
        step: {
          id: Number(recordId),
          templateId: String(templateId),
          timestamp: String(timestamp),
          stream: String(stream),
          body: String(body),
        },
      });
    }
    return [
      {
        id,
        openedAt: Number(openedAt),
        lastSeenAt: Number(lastSeenAt),
        longestGapMs: Number(longestGapMs),
        records: held,
      },
    ];
  }

  /** Seconds without a record after which a session is closed: the configured, or the learned one. */
  get idleTimeoutSecs(): number {
    return this.#grouper.idleTimeoutMs / 1000;
  }
}

export const sequenceDefinition: DetectorDefinition<SequenceDetectorOptions> = {
  name: "sequence",
  description:
    "Sessions (records sharing an id) whose next template, templates, length or template counts differ from the sessions seen in training.",
  create: (options, ctx) => new SequenceDetector(options, ctx.clock),
};
