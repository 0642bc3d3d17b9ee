import type { Anomaly } from "../core/anomaly.js";
import { type Severity, severityFromScore } from "../core/severity.js";
import { WORK_KINDS } from "../core/work-kinds.js";

/**
 * Findings about one entity close in time, as an analyst would want them: one incident carrying every
 * signal (failures, then a success, then sudo) with a combined score, instead of one alert each.
 */
export interface Incident {
  /** 1-based, in order of the incidents' first finding. */
  id: number;
  start: string;
  end: string;
  /**
   * `user:alice`, `ip:203.0.113.9`, `host:ap-2`, `block:blk_…`, `pod:api-…`, or a finding key that names no
   * entity (`svc:sshd`).
   */
  entities: string[];
  detectors: string[];
  /** Indexes into the findings given to `groupIncidents`. */
  findings: number[];
  /**
   * 1 − Π(1 − score) over its detectors, each at its strongest finding: independent signals about one
   * entity add up, one detector's several views of one attack do not; capped below 1.
   */
  score: number;
  severity: Severity;
  summary: string;
}

/** What grouping reads of a finding: a detector's fresh one, or one read back from the store. */
export type GroupableFinding = Pick<Anomaly, "detector" | "timestamp" | "key" | "features" | "score"> & {
  explanation: { summary: string };
};

/** Findings about one entity this close (seconds) are one incident, unless a caller says otherwise. */
export const DEFAULT_INCIDENT_WINDOW_SECS = 1_800;

export interface GroupOptions {
  /** A finding joins an incident whose last finding about a shared entity is at most this old. */
  windowSecs: number;
}

const MAX_SCORE = 0.99;
const KEYED = /^(user|ip|host|device):/;

/**
 * The entities a finding is about. Its key when the key names one (`user:alice`), its `user` and
 * `source_ip` features; a finding about neither (a machine's WiFi burst, a template of one host) is about
 * its host; and the units of work it names (`block:blk_…`, `pod:api-…`); one that names nothing at all is
 * about its key, so its own repeats still group.
 */
export function findingEntities(a: GroupableFinding): string[] {
  const out = new Set<string>();
  if (KEYED.test(a.key)) out.add(a.key.startsWith("device:") ? `host:${a.key.slice(7)}` : a.key);
  const f = a.features;
  if (typeof f.user === "string") out.add(`user:${f.user}`);
  if (typeof f.source_ip === "string") out.add(`ip:${f.source_ip}`);
  if (out.size === 0 && typeof f.host === "string") out.add(`host:${f.host}`);
  // The unit of work it names (a block, an application, a pod): findings on three data nodes about one
  // block are one incident.
  for (const kind of WORK_KINDS) if (typeof f[kind] === "string") out.add(`${kind}:${f[kind]}`);
  if (out.size === 0) out.add(a.key);
  return [...out];
}

interface Open {
  incident: Incident;
  lastMs: number;
  /** The strongest score of each detector: one detector's views of one attack are one signal. */
  scores: Map<string, number>;
}

/**
 * Groups findings (any order; grouped in time order) into incidents: a finding joins the open incident
 * that shares one of its entities and was last added to within the window, else opens one. A finding
 * that shares entities with two incidents joins the more recent; its entities are added to it, so an
 * address and the account it broke into become one incident.
 */
export function groupIncidents(findings: readonly GroupableFinding[], options: GroupOptions): Incident[] {
  const windowMs = options.windowSecs * 1000;
  const order = findings.map((a, i) => ({ a, i, at: Date.parse(a.timestamp) })).sort((x, y) => x.at - y.at);
  const byEntity = new Map<string, Open>();
  const all: Open[] = [];
  for (const { a, i, at } of order) {
    const entities = findingEntities(a);
    let open: Open | undefined;
    for (const e of entities) {
      const o = byEntity.get(e);
      if (o && at - o.lastMs <= windowMs && (!open || o.lastMs > open.lastMs)) open = o;
    }
    if (!open) {
      open = {
        incident: {
          id: all.length + 1,
          start: a.timestamp,
          end: a.timestamp,
          entities: [],
          detectors: [],
          findings: [],
          score: 0,
          severity: "low",
          summary: "",
        },
        lastMs: at,
        scores: new Map(),
      };
      all.push(open);
    }
    const inc = open.incident;
    inc.findings.push(i);
    if (at >= open.lastMs) {
      inc.end = a.timestamp;
      open.lastMs = at;
    }
    if (!inc.detectors.includes(a.detector)) inc.detectors.push(a.detector);
    for (const e of entities) {
      if (!inc.entities.includes(e)) inc.entities.push(e);
      byEntity.set(e, open);
    }
    open.scores.set(a.detector, Math.max(open.scores.get(a.detector) ?? 0, a.score));
  }
  for (const o of all) finish(o, findings);
  return all.map((o) => o.incident);
}

function finish(o: Open, findings: readonly GroupableFinding[]): void {
  const inc = o.incident;
  // Independent evidence adds up (another detector: failures, then a success, then sudo); a brute force's
  // user: and ip: findings, or one burst reported twice, do not: each detector counts once, at its strongest.
  let quiet = 1;
  for (const s of o.scores.values()) quiet *= 1 - Math.min(MAX_SCORE, Math.max(0, s));
  inc.score = Math.round(Math.min(MAX_SCORE, 1 - quiet) * 10_000) / 10_000;
  inc.severity = severityFromScore(inc.score);
  const first = findings[inc.findings[0]!]!;
  const signals = inc.detectors.join(", ");
  inc.summary =
    inc.findings.length === 1
      ? first.explanation.summary
      : `${inc.entities.slice(0, 3).join(", ")}: ${inc.findings.length} findings (${signals}) from ${inc.start} to ${inc.end}`;
}
