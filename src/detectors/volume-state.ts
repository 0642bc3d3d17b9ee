import { type Anomaly, WINDOW_EVIDENCE } from "../core/anomaly.js";
import type { Clock } from "../core/clock.js";
import { isJsonObject, type JsonValue } from "../core/json.js";
import type { ParsedRecord } from "../core/log-record.js";
import { DAY_MS } from "../core/time.js";
import type { LruMap } from "./lru.js";
import type { StreamClock } from "./stream-clock.js";
import { type Baseline, type EwStat, emptyStat, type SeasonalHistory } from "./volume-baseline.js";

/**
 * The volume detector's state (src/detectors/volume.ts): a key's state, how one is made, copied for the
 * undo log and given a history of its own, and how the detector's whole state and each stream's part of it
 * are saved and read again (`exportState`, `importState` and the `StreamPartitioned` methods).
 */

/** What the detector keeps of one key (`svc:<service>`, `tpl:<service>:<template id>`). */
export interface KeyState extends SeasonalHistory {
  /** The stream the key counts (`ParsedRecord.origin`: the service from one source), its state's partition. */
  service: string;
  /** The service its records named (`ParsedRecord.stream`): a finding's `service`. */
  serviceName: string;
  template: string | null;
  templateId: string | null;
  /** Start (ms) of the interval being counted. */
  start: number;
  count: number;
  /** The first interval of a key starts mid-way, so it is not learned. */
  partial: boolean;
  /** Counts of the latest intervals that had records (at most `historyIntervals`): a sparse key's bursts. */
  bursts: number[];
  ids: number[];
  samples: string[];
  /**
   * Source addresses of the current interval's records (not saved: a restart only loses the naming); null
   * until one has an address: most lines of most services name none, and two maps were made for every
   * new key and every interval.
   */
  sources: Map<string, number> | null;
  /** Hosts of the current interval's records (not saved either); null until one names a host. */
  hosts: Map<string, number> | null;
  /** Current unusual episode, so a long drop or spike reports once (again only if it gets much worse). */
  episode: "spike" | "drop" | null;
  episodeScore: number;
  /** The last burst baseline and the bursts it was taken of (not saved: it is only a memo). */
  burstBase: { bursts: number[]; base: Baseline | null } | null;
}

/** One service's findings for one interval, held until every key of the service has closed it. */
export interface HeldInterval {
  service: string;
  end: number;
  anomalies: Anomaly[];
}

/** What the codec reads and writes: the detector's own maps, shared with it (`VolumeDetector`). */
export interface VolumeState {
  readonly services: LruMap<string, KeyState>;
  readonly templates: LruMap<string, KeyState>;
  readonly streamClock: StreamClock;
  readonly held: Map<string, HeldInterval>;
  /** When the streams imported since the last `importVolumeShared` were exported (wall time). */
  readonly importedExportedAt: Map<string, number>;
}

/** A new key's state: its first interval starts at `start`. */
export function newKeyState(record: ParsedRecord, start: number, template: boolean): KeyState {
  return {
    service: record.origin,
    serviceName: record.stream,
    template: template ? record.template : null,
    templateId: template ? record.templateId : null,
    start,
    count: 0,
    partial: true,
    bursts: [],
    ids: [],
    samples: [],
    sources: null,
    hosts: null,
    episode: null,
    episodeScore: 0,
    burstBase: null,
    recent: [],
    // Shared until the key learns from a closed interval (`ownHistory`): most template keys of a stream
    // with more templates than `maxTemplateKeys` are made and forgotten again before that, and these 31
    // statistics were most of what making one cost.
    hours: NO_HOURS,
    days: NO_DAYS,
    peaks: NO_PEAKS,
    closed: 0,
  };
}

/**
 * The hour, day and peak history of a key that has learned nothing yet: frozen, so a write that forgot
 * `ownHistory` fails instead of changing every new key's history.
 */
const NO_HOURS = frozenStats(24);
const NO_DAYS = frozenStats(7);
const NO_PEAKS = Object.freeze(new Array<number>(24).fill(0)) as number[];

function frozenStats(n: number): EwStat[] {
  return Object.freeze(emptyStats(n).map((stat) => Object.freeze(stat))) as EwStat[];
}

/**
 * Whether the key has seen less than a day of intervals: nothing yet says what each time of day is like,
 * so only a flood is a spike (`VolumeDetector`) and a finding is from warm-up (capped at medium).
 */
export function inFirstDay(k: KeyState, intervalMs: number): boolean {
  return k.closed * intervalMs < DAY_MS;
}

/** Gives a key history of its own before it learns from an interval (a new key shares the empty one). */
export function ownHistory(k: KeyState): void {
  if (k.hours === NO_HOURS) k.hours = emptyStats(24);
  if (k.days === NO_DAYS) k.days = emptyStats(7);
  if (k.peaks === NO_PEAKS) k.peaks = new Array<number>(24).fill(0);
}

function emptyStats(n: number): EwStat[] {
  const stats: EwStat[] = new Array(n);
  for (let i = 0; i < n; i++) stats[i] = emptyStat();
  return stats;
}

/**
 * A key's state as the undo log keeps it when a batch first counts a record for it: the current interval
 * is copied; the history (recent counts, bursts, hour and day statistics) is shared, and journaled on its
 * own only when an interval closes (`#rememberHistory`), which most batches do not do for most keys.
 */
export function copyKeyState(k: KeyState): KeyState {
  return {
    ...k,
    ids: [...k.ids],
    samples: [...k.samples],
    sources: k.sources && new Map(k.sources),
    hosts: k.hosts && new Map(k.hosts),
  };
}

export function exportVolumeState(p: VolumeState, time: Clock): JsonValue {
  return {
    version: 2,
    clock: p.streamClock.exportState(time.now()),
    services: [...p.services.entries()].map(([key, k]) => [key, packKey(k)]),
    templates: [...p.templates.entries()].map(([key, k]) => [key, packKey(k)]),
    held: [...p.held.entries()].map(([id, h]) => packHeld(id, h)),
  };
}

/** Imports a whole state (`exportVolumeState`'s); false when it is none this reads, and nothing changed. */
export function importVolumeState(p: VolumeState, state: JsonValue, time: Clock): boolean {
  if (!isJsonObject(state) || (state.version !== 1 && state.version !== 2)) return false;
  p.streamClock.importState(state.clock, time.now());
  importKeys(p, state.services, state.templates);
  importHeld(p, state.held);
  // Version 1 kept one watermark for all streams: each stream's clock starts there.
  if (state.version === 1 && typeof state.watermark === "number") {
    const clock: JsonValue = [...p.services.values()].map((k) => [k.service, Number(state.watermark)]);
    p.streamClock.importState(clock, time.now());
  }
  return true;
}

/**
 * Saved `[key, packKey]` lists of the service and template maps, each oldest first; `restore`: without
 * evicting (one stream's keys, before the shared remainder decides which keys stay).
 */
function importKeys(
  p: VolumeState,
  services: JsonValue | undefined,
  templates: JsonValue | undefined,
  restore = false,
): void {
  for (const [list, map] of [
    [services, p.services],
    [templates, p.templates],
  ] as const) {
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (!Array.isArray(entry) || typeof entry[0] !== "string") continue;
      const k = unpackKey(entry[1]);
      if (k && restore) map.restore(entry[0], k);
      else if (k) map.set(entry[0], k);
    }
  }
}

function importHeld(p: VolumeState, saved: JsonValue | undefined): void {
  if (!Array.isArray(saved)) return;
  for (const h of saved) {
    const held = unpackHeld(h);
    if (held) p.held.set(held[0], held[1]);
  }
}

// Partitioned (StreamPartitioned): a stream's value is its clock, its service key, its template keys
// and its held findings; the shared remainder is the recency of the keys of every map (the template
// map holds all streams' templates, so which one a full map forgets depends on their order) and the
// order of the held findings, which is the order they are released in.

export function exportVolumeStreams(
  p: VolumeState,
  streams: ReadonlySet<string>,
  time: Clock,
): Map<string, JsonValue> {
  // One pass over the template map and the held findings for all the given streams, each oldest first.
  const templates = new Map<string, JsonValue[]>();
  for (const [key, k] of p.templates.entries())
    if (streams.has(k.service)) listOf(templates, k.service).push([key, packKey(k)]);
  const held = new Map<string, JsonValue[]>();
  for (const [id, h] of p.held) if (streams.has(h.service)) listOf(held, h.service).push(packHeld(id, h));
  const out = new Map<string, JsonValue>();
  const now = time.now();
  for (const stream of streams) {
    const clock = p.streamClock.exportStream(stream, now);
    const service = p.services.peek(`svc:${stream}`);
    if (clock === undefined && !service && !templates.has(stream) && !held.has(stream)) continue;
    out.set(stream, {
      version: 2,
      exportedAt: now,
      clock: clock ?? null,
      services: service ? [[`svc:${stream}`, packKey(service)]] : [],
      templates: templates.get(stream) ?? [],
      held: held.get(stream) ?? [],
    });
  }
  return out;
}

export function exportVolumeShared(p: VolumeState, time: Clock): JsonValue {
  return {
    version: 2,
    exportedAt: time.now(),
    clock: [...p.streamClock.streams()],
    services: [...p.services.keys()],
    templates: [...p.templates.keys()],
    held: [...p.held.keys()],
  };
}

/**
 * Imports a stream's state (one of `exportVolumeStreams`'s); false when it is none this reads, and nothing
 * changed.
 */
export function importVolumeStream(p: VolumeState, stream: string, state: JsonValue, time: Clock): boolean {
  if (!isJsonObject(state) || state.version !== 2) return false;
  // Replaced, not merged: what this instance held of the stream goes first.
  p.streamClock.forget(stream);
  p.services.delete(`svc:${stream}`);
  for (const [key, k] of [...p.templates.entries()]) if (k.service === stream) p.templates.delete(key);
  for (const [id, h] of [...p.held]) if (h.service === stream) p.held.delete(id);
  // Quiet counts up to the export, not while the state was stored (as for a restart's whole state).
  if (state.clock !== null && state.clock !== undefined) p.streamClock.restoreStream(state.clock, time.now());
  if (typeof state.exportedAt === "number") p.importedExportedAt.set(stream, state.exportedAt);
  importKeys(p, state.services, state.templates, true);
  importHeld(p, state.held);
  return true;
}

export function importVolumeShared(p: VolumeState, state: JsonValue): void {
  if (!isJsonObject(state) || state.version !== 2) return;
  const names = (v: JsonValue | undefined) =>
    Array.isArray(v) ? v.filter((s) => typeof s === "string") : [];
  // A stream saved before the remainder was quiet until the remainder's save too: the process ran.
  const sharedAt = typeof state.exportedAt === "number" ? state.exportedAt : null;
  for (const [stream, at] of p.importedExportedAt)
    if (sharedAt !== null && sharedAt > at) p.streamClock.addQuiet(stream, sharedAt - at);
  p.importedExportedAt.clear();
  p.streamClock.retainInOrder(names(state.clock));
  p.services.retainInOrder(names(state.services));
  p.templates.retainInOrder(names(state.templates));
  const held = [...p.held];
  p.held.clear();
  const byId = new Map(held);
  for (const id of names(state.held)) {
    const h = byId.get(id);
    if (h) p.held.set(id, h);
  }
}

function listOf(lists: Map<string, JsonValue[]>, stream: string): JsonValue[] {
  let list = lists.get(stream);
  if (!list) {
    list = [];
    lists.set(stream, list);
  }
  return list;
}

/** A key's state as saved. */
function packKey(k: KeyState): JsonValue {
  return {
    service: k.service,
    // Only when the key's stream is a source's (`origin`): keys saved before sources were told apart had none.
    ...(k.serviceName !== k.service ? { name: k.serviceName } : {}),
    template: k.template,
    templateId: k.templateId,
    start: k.start,
    count: k.count,
    partial: k.partial,
    episode: k.episode,
    episodeScore: k.episodeScore,
    // The current interval's first records, so an interval closed after a restart still cites them.
    ids: k.ids,
    samples: k.samples,
    // Who sent the current interval: a spike closed after a restart still names its source and host.
    sources: k.sources ? [...k.sources] : [],
    hosts: k.hosts ? [...k.hosts] : [],
    recent: k.recent,
    bursts: k.bursts,
    closed: k.closed,
    hours: k.hours.map((h) => [h.n, h.mean, h.variance]),
    days: k.days.map((h) => [h.n, h.mean, h.variance]),
    peaks: k.peaks,
  };
}

function unpackKey(v: JsonValue | undefined): KeyState | null {
  if (!isJsonObject(v) || typeof v.service !== "string") return null;
  return {
    service: v.service,
    serviceName: typeof v.name === "string" ? v.name : v.service,
    template: typeof v.template === "string" ? v.template : null,
    templateId: typeof v.templateId === "string" ? v.templateId : null,
    start: Number(v.start),
    count: Number(v.count),
    partial: v.partial === true,
    ids: Array.isArray(v.ids) ? v.ids.map(Number).slice(0, WINDOW_EVIDENCE) : [],
    samples: Array.isArray(v.samples) ? v.samples.map(String).slice(0, 3) : [],
    sources: tallyOf(v.sources),
    hosts: tallyOf(v.hosts),
    episode: v.episode === "spike" || v.episode === "drop" ? v.episode : null,
    episodeScore: Number(v.episodeScore ?? 0),
    burstBase: null,
    recent: Array.isArray(v.recent) ? v.recent.map(Number) : [],
    bursts: Array.isArray(v.bursts) ? v.bursts.map(Number) : [],
    closed: Number(v.closed ?? 0),
    hours: statsOf(v.hours, 24),
    days: statsOf(v.days, 7),
    // State saved before peaks were kept: none known, so only the statistical bar judges at first.
    peaks:
      Array.isArray(v.peaks) && v.peaks.length === 24
        ? v.peaks.map((p) => Number(p) || 0)
        : Array.from({ length: 24 }, () => 0),
  };
}

function statsOf(v: JsonValue | undefined, n: number): EwStat[] {
  return Array.isArray(v) && v.length === n
    ? v.map((s) =>
        Array.isArray(s) ? { n: Number(s[0]), mean: Number(s[1]), variance: Number(s[2]) } : emptyStat(),
      )
    : Array.from({ length: n }, emptyStat);
}

function packHeld(id: string, h: HeldInterval): JsonValue {
  return { id, service: h.service, end: h.end, anomalies: h.anomalies as unknown as JsonValue };
}

function unpackHeld(h: JsonValue): [string, HeldInterval] | null {
  if (!isJsonObject(h) || typeof h.id !== "string" || typeof h.service !== "string") return null;
  if (!Array.isArray(h.anomalies) || !h.anomalies.every(isJsonObject)) return null;
  // Written by exportState from Anomaly objects; nothing else writes detector state.
  const anomalies = h.anomalies as unknown as Anomaly[];
  return [h.id, { service: h.service, end: Number(h.end), anomalies }];
}

/** A saved tally (`[name, count]` pairs) as the map it was. */
function tallyOf(saved: JsonValue | undefined): Map<string, number> {
  const tally = new Map<string, number>();
  if (Array.isArray(saved))
    for (const e of saved) if (Array.isArray(e) && typeof e[0] === "string") tally.set(e[0], Number(e[1]));
  return tally;
}
