import { type Anomaly, MAX_EVIDENCE } from "../core/anomaly.js";
import type { Detector, DetectorDefinition, DetectorStatus, StreamPartitioned } from "../core/detector.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../core/json.js";
import { hostOf, type ParsedRecord } from "../core/log-record.js";
import type { RecordRef } from "../core/record-ref.js";
import { FATAL_SEVERITY_NUMBER, SEVERE_SEVERITY_NUMBER, severityFromScore } from "../core/severity.js";
import { UndoLog } from "../core/undo.js";
import { WORK_KINDS, type WorkKind } from "../core/work-kinds.js";
import { recordTimes } from "./batch-memo.js";
import { LruMap } from "./lru.js";
import { callerCause, isReadoutLine } from "./readout-line.js";
import { exportStreamEntries } from "./stream-map-partition.js";
import { workIdsOf } from "./work-ids.js";

export interface SevereEventsOptions {
  /** An episode ends when none of its templates or machines logs a severe line for this long (record time). */
  gapSecs: number;
  /** Streams tracked at most; the least recently seen is forgotten. */
  maxKeys?: number;
}

/** Severe templates remembered per stream (what makes one "first seen"); the oldest go first. */
const MAX_KNOWN_TEMPLATES = 5_000;
/** Episodes a stream keeps open at once; past it the one idle longest is closed. */
const MAX_OPEN_EPISODES = 64;
/** Units of work an episode remembers (ids of blocks, applications, pods). */
const MAX_WORK_IDS = 64;
/** Templates and machines an episode's finding lists by name. */
const LISTED = 5;
const SAMPLES = 5;

/** One template's lines in an episode. */
interface EpisodeTemplate {
  template: string;
  lines: number;
  /** The stream had never logged a severe line of this template before this episode. */
  firstSeen: boolean;
}

/**
 * Severe lines that belong together: each shares a template or a machine with a line already in it, and
 * came within `gapSecs` of the episode's latest. A node that crashes with several messages is one episode;
 * so is one message that hits thirty nodes at once; two unrelated failures stay two.
 */
interface Episode {
  key: string;
  firstAt: number;
  lastAt: number;
  firstTimestamp: string;
  lastTimestamp: string;
  lines: number;
  /** The highest OpenTelemetry severity number among its lines. */
  level: number;
  levelText: string;
  templates: Map<string, EpisodeTemplate>;
  /** Lines per machine (host, else component); lines that name neither are not counted here. */
  machines: Map<string, number>;
  /** Lines per unit of work named (a block, an application, a pod: `work-ids.ts`). */
  work: Map<string, { kind: WorkKind; lines: number }>;
  /** The latest lines (what the store keeps of a finding), and the first few and latest bodies. */
  evidence: RecordRef[];
  firstSamples: string[];
  latestSamples: string[];
  /** Lines when the finding was last emitted. */
  reported: number;
  /** Lines whose stated cause is the caller's own (`callerCause`), and the last such cause. */
  callerLines: number;
  callerCause: string;
}

interface StreamSevere {
  /** Severe lines seen per template id, insertion-ordered (oldest first). */
  known: Map<string, number>;
  episodes: Episode[];
}

/**
 * Judges lines at CRITICAL and above (FATAL, EMERGENCY, PANIC, ALERT) from the first line of a stream,
 * with no warm-up: a process that says it is dying is evidence whatever history the product has seen.
 * Lines are grouped into episodes (see `Episode`) and each episode is one finding, raised at the end of the
 * batch that opened it and raised again (merged by its key) as it grows; it names the machines and the
 * templates, says which templates the stream had never logged at this level before, and cites the lines.
 * Readouts (register dumps printed at the crash's level, `readout-line.ts`) open no episode.
 */
export class SevereEventsDetector implements Detector, StreamPartitioned {
  readonly name = "severe_events";
  readonly #streams: LruMap<string, StreamSevere>;
  readonly undo = new UndoLog();
  #lines = 0;
  #readouts = 0;
  /** Lines of caller's errors already reported once, not reported again (`isCallersRepeat`). */
  #routine = 0;

  constructor(readonly options: SevereEventsOptions) {
    this.#streams = new LruMap<string, StreamSevere>(options.maxKeys ?? 10_000).recordTo(
      this.undo,
      copyStream,
    );
    this.undo.keep(
      () => [this.#lines, this.#readouts, this.#routine] as const,
      ([lines, readouts, routine]) => {
        this.#lines = lines;
        this.#readouts = readouts;
        this.#routine = routine;
      },
    );
  }

  observe(batch: readonly ParsedRecord[]): Anomaly[] {
    let times: readonly number[] | null = null;
    const touched = new Map<Episode, string>();
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      if (record.severityNumber < SEVERE_SEVERITY_NUMBER) continue;
      if (isReadoutLine(record.body)) {
        this.#readouts++;
        continue;
      }
      times ??= recordTimes.of(batch);
      this.#lines++;
      const at = times[i]!;
      let stream = this.#streams.get(record.origin);
      if (!stream) {
        stream = { known: new Map(), episodes: [] };
        this.#streams.set(record.origin, stream);
      }
      const machine = machineOf(record);
      const episode = this.#episodeFor(stream, record, machine, at);
      this.#add(stream, episode, record, machine, at);
      touched.set(episode, record.stream);
    }
    const out: Anomaly[] = [];
    for (const [episode, stream] of touched) {
      if (episode.lines === episode.reported) continue;
      const fresh = episode.lines - episode.reported;
      episode.reported = episode.lines;
      // The caller's mistake (a path that does not exist, a permission not held) is reported the first
      // time its message is logged; the same mistake again, by the same or another caller, is routine, as
      // a web server's 404s are. A line of any other kind joining the episode makes it a finding again.
      if (isCallersRepeat(episode)) {
        this.#routine += fresh;
        continue;
      }
      out.push(this.#anomaly(stream, episode));
    }
    return out;
  }

  /** The open episode `record` joins, after closing the ones that went quiet; a new one when none fits. */
  #episodeFor(stream: StreamSevere, record: ParsedRecord, machine: string | null, at: number): Episode {
    const gapMs = this.options.gapSecs * 1000;
    // Quiet for a gap, or from another period (a record further back than a gap before it began).
    stream.episodes = stream.episodes.filter((e) => at - e.lastAt <= gapMs && e.firstAt - at <= gapMs);
    for (let i = stream.episodes.length - 1; i >= 0; i--) {
      const e = stream.episodes[i]!;
      if (e.templates.has(record.templateId) || (machine !== null && e.machines.has(machine))) return e;
    }
    if (stream.episodes.length >= MAX_OPEN_EPISODES) stream.episodes.shift();
    const episode: Episode = {
      key: `${record.origin}:${record.templateId}:${machine ?? ""}:${Math.floor(at / 1000)}`,
      firstAt: at,
      lastAt: at,
      firstTimestamp: record.timestamp,
      lastTimestamp: record.timestamp,
      lines: 0,
      level: 0,
      levelText: "",
      templates: new Map(),
      machines: new Map(),
      work: new Map(),
      evidence: [],
      firstSamples: [],
      latestSamples: [],
      reported: 0,
      callerLines: 0,
      callerCause: "",
    };
    stream.episodes.push(episode);
    return episode;
  }

  #add(
    stream: StreamSevere,
    episode: Episode,
    record: ParsedRecord,
    machine: string | null,
    at: number,
  ): void {
    episode.lines++;
    if (at >= episode.lastAt) {
      episode.lastAt = at;
      episode.lastTimestamp = record.timestamp;
    }
    if (record.severityNumber > episode.level) {
      episode.level = record.severityNumber;
      episode.levelText = record.severityText ?? "";
    }
    const seenBefore = stream.known.get(record.templateId) ?? 0;
    const entry = episode.templates.get(record.templateId);
    if (entry) entry.lines++;
    else
      episode.templates.set(record.templateId, {
        template: record.template,
        lines: 1,
        firstSeen: seenBefore === 0,
      });
    // Re-inserted so the map's order is recency: the oldest template is the one forgotten.
    stream.known.delete(record.templateId);
    stream.known.set(record.templateId, seenBefore + 1);
    if (stream.known.size > MAX_KNOWN_TEMPLATES) stream.known.delete(stream.known.keys().next().value!);
    const cause = callerCause(record.body);
    if (cause !== null) {
      episode.callerLines++;
      episode.callerCause = cause;
    }
    for (const w of workIdsOf(record)) {
      const named = episode.work.get(w.id);
      if (named) named.lines++;
      else if (episode.work.size < MAX_WORK_IDS) episode.work.set(w.id, { kind: w.kind, lines: 1 });
    }
    if (machine !== null) episode.machines.set(machine, (episode.machines.get(machine) ?? 0) + 1);
    episode.evidence.push(record.id);
    if (episode.evidence.length > MAX_EVIDENCE) episode.evidence.shift();
    if (episode.firstSamples.length < SAMPLES) episode.firstSamples.push(record.body);
    else {
      episode.latestSamples.push(record.body);
      if (episode.latestSamples.length > 2) episode.latestSamples.shift();
    }
  }

  #anomaly(stream: string, e: Episode): Anomaly {
    const templates = [...e.templates.entries()].sort((a, b) => b[1].lines - a[1].lines);
    const machines = [...e.machines.entries()].sort((a, b) => b[1] - a[1]);
    const firstSeen = templates.filter(([, t]) => t.firstSeen).length;
    const fatal = e.level >= FATAL_SEVERITY_NUMBER;
    // A FATAL line is high whatever else; a template never seen at this level, and a burst, raise it.
    // An episode whose every line blames the caller (a path that does not exist, a permission the caller
    // lacks) is the caller's mistake, as an HTTP 4xx is: reported, low, for whoever made the request.
    const callers = allCallers(e);
    const score = callers
      ? Math.min(0.55, 0.45 + 0.02 * Math.log2(e.lines))
      : Math.min(
          0.99,
          (fatal ? 0.88 : 0.8) + (firstSeen > 0 ? 0.05 : 0) + Math.min(0.06, 0.02 * Math.log2(e.lines)),
        );
    const spanSecs = Math.max(0, Math.round((e.lastAt - e.firstAt) / 1000));
    const level = e.levelText || (fatal ? "FATAL" : "CRITICAL");
    const where =
      machines.length === 1
        ? ` on ${machines[0]![0]}`
        : machines.length > 1
          ? ` on ${machines.length} machines (${machines
              .slice(0, 3)
              .map(([m]) => m)
              .join(", ")}${machines.length > 3 ? ", …" : ""})`
          : "";
    const [topId, top] = templates[0]!;
    const what = `${top.template}${top.firstSeen ? " (never seen before)" : ""}${templates.length > 1 ? ` and ${templates.length - 1} other message(s)` : ""}`;
    const blame = callers ? ` (the caller's error: ${e.callerCause})` : "";
    const summary = `${e.lines} ${level} line${e.lines === 1 ? "" : "s"} in ${stream}${where}${spanSecs > 0 ? ` over ${spanSecs} s` : ""}: ${what}${blame}`;
    const features: JsonObject = {
      lines: e.lines,
      level,
      span_secs: spanSecs,
      first_seen_templates: firstSeen,
      templates: templates.slice(0, LISTED).map(([id, t]) => ({
        template_id: id,
        template: t.template,
        lines: t.lines,
        first_seen: t.firstSeen,
      })),
      machines: machines.slice(0, LISTED).map(([name, lines]) => ({ name, lines })),
      machine_count: machines.length,
      caller_error: callers,
    };
    // One machine: the finding is about it, so incidents group it with that machine's other findings.
    if (machines.length === 1) features.host = machines[0]![0];
    const work = [...e.work.entries()].sort((a, b) => b[1].lines - a[1].lines);
    if (work.length > 0)
      features.work = work.slice(0, LISTED).map(([id, w]) => ({ kind: w.kind, id, lines: w.lines }));
    // One unit of a kind: named as the feature of that kind, as incidents read it (`block: blk_…`).
    for (const kind of WORK_KINDS) {
      const ofKind = work.filter(([, w]) => w.kind === kind);
      if (ofKind.length === 1) features[kind] = ofKind[0]![0];
    }
    return {
      detector: this.name,
      type: "severe_event",
      timestamp: e.lastTimestamp,
      service: stream,
      key: e.key,
      score,
      severity: severityFromScore(score),
      description: summary,
      features,
      explanation: {
        summary,
        observed: {
          lines: e.lines,
          level,
          machines: machines.length,
          templates: templates.length,
          span_secs: spanSecs,
        },
        expected: {
          note:
            firstSeen > 0
              ? `${firstSeen} of these message(s) had never been logged at this level by ${stream}; lines at ${level} are judged from the first line, with no warm-up`
              : `these messages had been logged at this level before; lines at ${level} are judged from the first line, with no warm-up`,
        },
        contributions: templates.slice(0, LISTED).map(([id, t]) => ({
          name: t.template,
          value: id,
          weight: t.lines / e.lines,
        })),
        samples: [...e.firstSamples, ...e.latestSamples],
      },
      evidence: [...e.evidence],
      templateId: topId,
    };
  }

  status(): DetectorStatus {
    const open = [...this.#streams.values()].reduce((n, s) => n + s.episodes.length, 0);
    return {
      name: this.name,
      phase: "active",
      detail: `${this.#lines} severe line(s) judged in ${this.#streams.size} stream(s), ${open} episode(s) open; ${this.#readouts} readout line(s) (register dumps) left as context; ${this.#routine} repeat(s) of caller's errors already reported not reported again`,
    };
  }

  exportState(): JsonValue {
    return {
      version: 1,
      lines: this.#lines,
      readouts: this.#readouts,
      routine: this.#routine,
      streams: Object.fromEntries([...this.#streams.entries()].map(([k, s]) => [k, packStream(s)])),
    };
  }

  importState(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !isJsonObject(state.streams)) return;
    this.#lines = Number(state.lines ?? 0);
    this.#readouts = Number(state.readouts ?? 0);
    this.#routine = Number(state.routine ?? 0);
    for (const [key, value] of Object.entries(state.streams)) {
      const s = unpackStream(value);
      if (s) this.#streams.set(key, s);
    }
  }

  // Partitioned (StreamPartitioned): a stream's value is its known templates and open episodes; the
  // shared remainder is the recency of the streams and the counts the status shows. A stream that has
  // logged no severe line has no value: there is nothing of it to hand over.

  streams(): Iterable<string> {
    return this.#streams.keys();
  }

  exportStreams(streams: ReadonlySet<string>): Map<string, JsonValue> {
    return exportStreamEntries(this.#streams, streams, (_name, s) => packStream(s));
  }

  exportShared(): JsonValue {
    return {
      version: 1,
      order: [...this.#streams.keys()],
      lines: this.#lines,
      readouts: this.#readouts,
      routine: this.#routine,
    };
  }

  importStream(stream: string, state: JsonValue): void {
    const s = unpackStream(state);
    if (s) this.#streams.restore(stream, s);
  }

  importShared(state: JsonValue): void {
    if (!isJsonObject(state) || state.version !== 1 || !Array.isArray(state.order)) return;
    this.#streams.retainInOrder(state.order.filter((s) => typeof s === "string"));
    this.#lines = Number(state.lines ?? 0);
    this.#readouts = Number(state.readouts ?? 0);
    this.#routine = Number(state.routine ?? 0);
  }
}

/** The machine a line came from: its host, else its component (a BGL node, a pod, `dfs.DataNode`). */
function machineOf(record: ParsedRecord): string | null {
  const host = hostOf(record);
  if (host !== null) return host;
  const component = record.attributes["log.component"];
  return typeof component === "string" && component !== "" ? component : null;
}

function copyEpisode(e: Episode): Episode {
  return {
    ...e,
    templates: new Map([...e.templates].map(([k, t]) => [k, { ...t }])),
    machines: new Map(e.machines),
    work: new Map([...e.work].map(([k, w]) => [k, { ...w }])),
    evidence: [...e.evidence],
    firstSamples: [...e.firstSamples],
    latestSamples: [...e.latestSamples],
  };
}

/** Every line of the episode states that the caller caused it (`callerCause`). */
function allCallers(e: Episode): boolean {
  return e.callerLines === e.lines;
}

/** The caller's errors, every message of which the stream had logged at this level before. */
function isCallersRepeat(e: Episode): boolean {
  if (!allCallers(e)) return false;
  for (const t of e.templates.values()) if (t.firstSeen) return false;
  return true;
}

function copyStream(s: StreamSevere): StreamSevere {
  return { known: new Map(s.known), episodes: s.episodes.map(copyEpisode) };
}

function packStream(s: StreamSevere): JsonObject {
  return {
    version: 1,
    known: [...s.known.entries()].map(([id, n]) => [id, n]),
    episodes: s.episodes.map((e) => ({
      key: e.key,
      firstAt: e.firstAt,
      lastAt: e.lastAt,
      firstTimestamp: e.firstTimestamp,
      lastTimestamp: e.lastTimestamp,
      lines: e.lines,
      level: e.level,
      levelText: e.levelText,
      templates: [...e.templates.entries()].map(([id, t]) => ({ id, ...t })),
      machines: [...e.machines.entries()].map(([m, n]) => [m, n]),
      work: [...e.work.entries()].map(([id, w]) => ({ id, kind: w.kind, lines: w.lines })),
      evidence: [...e.evidence],
      firstSamples: [...e.firstSamples],
      latestSamples: [...e.latestSamples],
      reported: e.reported,
      callerLines: e.callerLines,
      callerCause: e.callerCause,
    })),
  };
}

function unpackStream(value: JsonValue | undefined): StreamSevere | null {
  if (!isJsonObject(value) || value.version !== 1) return null;
  const known = new Map<string, number>();
  if (Array.isArray(value.known))
    for (const pair of value.known)
      if (Array.isArray(pair) && typeof pair[0] === "string") known.set(pair[0], Number(pair[1] ?? 0));
  const episodes: Episode[] = [];
  if (Array.isArray(value.episodes))
    for (const e of value.episodes) if (isJsonObject(e)) episodes.push(unpackEpisode(e));
  return { known, episodes };
}

function strings(value: JsonValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function unpackEpisode(e: JsonObject): Episode {
  const templates = new Map<string, EpisodeTemplate>();
  if (Array.isArray(e.templates))
    for (const t of e.templates)
      if (isJsonObject(t) && typeof t.id === "string")
        templates.set(t.id, {
          template: String(t.template ?? ""),
          lines: Number(t.lines ?? 0),
          firstSeen: t.firstSeen === true,
        });
  const machines = new Map<string, number>();
  if (Array.isArray(e.machines))
    for (const pair of e.machines)
      if (Array.isArray(pair) && typeof pair[0] === "string") machines.set(pair[0], Number(pair[1] ?? 0));
  const work = new Map<string, { kind: WorkKind; lines: number }>();
  if (Array.isArray(e.work))
    for (const w of e.work)
      if (isJsonObject(w) && typeof w.id === "string" && (WORK_KINDS as readonly unknown[]).includes(w.kind))
        work.set(w.id, { kind: w.kind as WorkKind, lines: Number(w.lines ?? 0) });
  return {
    key: String(e.key ?? ""),
    firstAt: Number(e.firstAt),
    lastAt: Number(e.lastAt),
    firstTimestamp: String(e.firstTimestamp ?? ""),
    lastTimestamp: String(e.lastTimestamp ?? ""),
    lines: Number(e.lines ?? 0),
    level: Number(e.level ?? 0),
    levelText: String(e.levelText ?? ""),
    templates,
    machines,
    work,
    evidence: Array.isArray(e.evidence) ? e.evidence.map(Number) : [],
    firstSamples: strings(e.firstSamples),
    latestSamples: strings(e.latestSamples),
    reported: Number(e.reported ?? 0),
    callerLines: Number(e.callerLines ?? 0),
    callerCause: String(e.callerCause ?? ""),
  };
}

export const severeEventsDefinition: DetectorDefinition<SevereEventsOptions> = {
  name: "severe_events",
  description:
    "Lines at CRITICAL, FATAL or EMERGENCY, judged from the first line: one finding per episode (lines sharing a message or a machine), naming the machines.",
  create: (options) => new SevereEventsDetector(options),
};
