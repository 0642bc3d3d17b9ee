/**
 * Scores flagged lines against the fault-injection dataset (bench/detect/faults/data/<run>/, see the README
 * there), and computes the two baselines from the raw lines.
 *
 *   const ds = loadFaultsDataset(faultsRunDir("run-b"));
 *   const s = scoreFlags(ds, flaggedLineIndices); // line, count20, time10m (and time60s) P/R/F1
 *   const { keyword, errorLevel } = baselines(ds);
 *
 * No I/O beyond reading the data files. Run directly (`npx tsx bench/detect/faults/score.ts [run ...]`) it
 * prints the baselines' figures as JSON.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

export type Source = "postgresql" | "rabbitmq" | "nginx-error" | "nginx-access";
export type Service = "postgresql" | "rabbitmq" | "nginx";

export const SERVICE_OF: Record<Source, Service> = {
  postgresql: "postgresql",
  rabbitmq: "rabbitmq",
  "nginx-error": "nginx",
  "nginx-access": "nginx",
};

export interface Fault {
  id: string;
  kind: string;
  service: Service;
  startMs: number;
  endMs: number;
}

export interface FaultsDataset {
  /** raw lines of faults.log, without their newline */
  lines: string[];
  /** 1 = alert, 0 = normal, one per line */
  labels: number[];
  /** when the generator read the line from its file, ms since the epoch (non-decreasing) */
  times: number[];
  sources: Source[];
  faults: Fault[];
}

export const FAULTS_DATA_DIR = fileURLToPath(new URL("./data/", import.meta.url));
export const faultsRunDir = (run: string): string => `${FAULTS_DATA_DIR}${run}/`;

function readMaybeGz(path: string): string {
  if (existsSync(path)) return readFileSync(path, "utf8");
  return gunzipSync(readFileSync(`${path}.gz`)).toString("utf8");
}

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Reads faults.log, faults.labels, faults.lines.tsv and labels.json (each may be gzipped as NAME.gz). */
export function loadFaultsDataset(dir: string): FaultsDataset {
  const d = dir.endsWith("/") ? dir : `${dir}/`;
  const lines = splitLines(readMaybeGz(`${d}faults.log`));
  const labels = splitLines(readMaybeGz(`${d}faults.labels`)).map(Number);
  const times: number[] = [];
  const sources: Source[] = [];
  for (const row of splitLines(readMaybeGz(`${d}faults.lines.tsv`))) {
    const [t, s] = row.split("\t");
    times.push(Number(t));
    sources.push(s as Source);
  }
  const meta = JSON.parse(readMaybeGz(`${d}labels.json`)) as { faults: Fault[] };
  if (labels.length !== lines.length || times.length !== lines.length) {
    throw new Error(`${d}: ${lines.length} lines, ${labels.length} labels, ${times.length} times`);
  }
  const faults = meta.faults.map(({ id, kind, service, startMs, endMs }) => ({
    id,
    kind,
    service,
    startMs,
    endMs,
  }));
  return { lines, labels, times, sources, faults };
}

// ---------------------------------------------------------------- metrics

export interface Prf {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  /** tp / (tp + fp); 0 when nothing is flagged */
  precision: number;
  /** tp / (tp + fn); 0 when there is nothing to find */
  recall: number;
  f1: number;
}

export function prf(truth: readonly boolean[], predicted: readonly boolean[]): Prf {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i]) predicted[i] ? tp++ : fn++;
    else predicted[i] ? fp++ : tn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  return { tp, fp, fn, tn, precision, recall, f1 };
}

/** [start, end) line ranges of consecutive windows of `size` lines; the last may be shorter. */
export function countWindows(n: number, size = 20): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += size) out.push([s, Math.min(n, s + size)]);
  return out;
}

/**
 * Tumbling time windows anchored like deep-loglizer's BGL `time_range` grouping (BGL's time6h): a window
 * starts at the first line not yet in a window and holds every following line read less than `seconds`
 * after it. Times must be non-decreasing (they are: the order the lines were read).
 */
export function timeWindows(times: readonly number[], seconds = 600): [number, number][] {
  const out: [number, number][] = [];
  let s = 0;
  while (s < times.length) {
    const limit = times[s]! + seconds * 1000;
    let e = s + 1;
    while (e < times.length && times[e]! < limit) e++;
    out.push([s, e]);
    s = e;
  }
  return out;
}

export function windowPrf(
  labels: readonly number[],
  flagged: ReadonlySet<number>,
  windows: readonly [number, number][],
): Prf & { windows: number; anomalous: number } {
  const truth: boolean[] = [];
  const pred: boolean[] = [];
  for (const [s, e] of windows) {
    let t = false;
    let p = false;
    for (let i = s; i < e; i++) {
      if (labels[i]) t = true;
      if (flagged.has(i)) p = true;
    }
    truth.push(t);
    pred.push(p);
  }
  return { ...prf(truth, pred), windows: windows.length, anomalous: truth.filter(Boolean).length };
}

export interface FaultsScore {
  flagged: number;
  line: Prf;
  count20: Prf & { windows: number; anomalous: number };
  time10m: Prf & { windows: number; anomalous: number };
  /** 60-second windows: a run lasts tens of minutes, so it holds few 10-minute windows */
  time60s: Prf & { windows: number; anomalous: number };
  /** faults with at least one flagged alert line of their own, of all faults */
  faultsHit: number;
  faults: number;
}

/** Which fault (index into ds.faults) each alert line belongs to, -1 for normal lines. */
export function faultOfLine(ds: FaultsDataset): number[] {
  return ds.times.map((t, i) =>
    ds.faults.findIndex((f) => f.service === SERVICE_OF[ds.sources[i]!] && t >= f.startMs && t <= f.endMs),
  );
}

/** Scores a set of flagged 0-based line indices. */
export function scoreFlags(ds: FaultsDataset, flaggedLines: Iterable<number>): FaultsScore {
  const flagged = new Set(flaggedLines);
  const n = ds.lines.length;
  const truth = ds.labels.map((l) => l === 1);
  const pred = truth.map((_, i) => flagged.has(i));
  const of = faultOfLine(ds);
  const hit = new Set<number>();
  for (const i of flagged) if (of[i] !== undefined && of[i]! >= 0 && ds.labels[i]) hit.add(of[i]!);
  return {
    flagged: [...flagged].filter((i) => i >= 0 && i < n).length,
    line: prf(truth, pred),
    count20: windowPrf(ds.labels, flagged, countWindows(n, 20)),
    time10m: windowPrf(ds.labels, flagged, timeWindows(ds.times, 600)),
    time60s: windowPrf(ds.labels, flagged, timeWindows(ds.times, 60)),
    faultsHit: hit.size,
    faults: ds.faults.length,
  };
}

// ---------------------------------------------------------------- levels and baselines

/** Syslog severities, most severe last; "ERROR or worse" is `error` and after. */
export const LEVELS = [
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "critical",
  "alert",
  "emergency",
] as const;
export type Level = (typeof LEVELS)[number];

const PG_LEVEL: Record<string, Level> = {
  DEBUG1: "debug",
  DEBUG2: "debug",
  DEBUG3: "debug",
  DEBUG4: "debug",
  DEBUG5: "debug",
  INFO: "info",
  NOTICE: "notice",
  LOG: "info",
  WARNING: "warning",
  ERROR: "error",
  FATAL: "critical",
  PANIC: "emergency",
};
const NGINX_LEVEL: Record<string, Level> = {
  debug: "debug",
  info: "info",
  notice: "notice",
  warn: "warning",
  error: "error",
  crit: "critical",
  alert: "alert",
  emerg: "emergency",
};
// log_line_prefix '%m [%p] %q%u@%d ': "2026-11-28 09:01:02.345 UTC [1234] app@appdb ERROR:  ..."
const PG_RE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+ \[\d+\] (?:\S*@\S* )?([A-Z][A-Z0-9]*): {2}/;
// "2026/11/28 09:01:02 [error] 77#77: *5 connect() failed ..."
const NGINX_RE = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[([a-z]+)\] /;
// "2026-11-28 09:01:02.345678+00:00 [warning] <0.289.0> ..."
const RABBIT_RE = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+\S* \[([a-z]+)\] /;

/**
 * Each line's level from its service's native format (null: the format has none).
 * - PostgreSQL: the severity word after the prefix. LOG counts as info. DETAIL, HINT, CONTEXT, STATEMENT,
 *   QUERY and LOCATION lines, and continuation lines without a prefix (a tab-indented autovacuum report,
 *   a multi-line statement), belong to the message before them and take its level.
 * - RabbitMQ: the bracketed level; a line without the timestamp-and-level prefix takes the previous
 *   RabbitMQ line's level (3.10 repeats the prefix on every line of a multi-line message anyway).
 * - nginx error.log: the bracketed level (warn = warning, crit = critical, emerg = emergency).
 * - nginx access.log: no level (null), whatever the status code.
 */
export function lineLevels(lines: readonly string[], sources: readonly Source[]): (Level | null)[] {
  const last: Partial<Record<Source, Level | null>> = {};
  return lines.map((line, i) => {
    const source = sources[i]!;
    let level: Level | null = null;
    if (source === "postgresql") {
      const m = PG_RE.exec(line);
      const word = m?.[1];
      level = word && word in PG_LEVEL ? PG_LEVEL[word]! : (last[source] ?? null);
    } else if (source === "rabbitmq") {
      const m = RABBIT_RE.exec(line);
      level = m && (LEVELS as readonly string[]).includes(m[1]!) ? (m[1] as Level) : (last[source] ?? null);
    } else if (source === "nginx-error") {
      const m = NGINX_RE.exec(line);
      level = m ? (NGINX_LEVEL[m[1]!] ?? null) : (last[source] ?? null);
    }
    last[source] = level;
    return level;
  });
}

export const isErrorOrWorse = (l: Level | null): boolean =>
  l !== null && LEVELS.indexOf(l) >= LEVELS.indexOf("error");

/** Line indices a `grep -E 'FATAL|PANIC'` would print: case-sensitive, anywhere in the line. */
export function keywordFlags(lines: readonly string[]): number[] {
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (l.includes("FATAL") || l.includes("PANIC")) out.push(i);
  });
  return out;
}

/** Line indices whose level (lineLevels) is error, critical, alert or emergency. */
export function errorLevelFlags(lines: readonly string[], sources: readonly Source[]): number[] {
  const out: number[] = [];
  lineLevels(lines, sources).forEach((l, i) => {
    if (isErrorOrWorse(l)) out.push(i);
  });
  return out;
}

export function baselines(ds: FaultsDataset): { keyword: FaultsScore; errorLevel: FaultsScore } {
  return {
    keyword: scoreFlags(ds, keywordFlags(ds.lines)),
    errorLevel: scoreFlags(ds, errorLevelFlags(ds.lines, ds.sources)),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const runs = process.argv.slice(2);
  for (const run of runs.length ? runs : ["run-a", "run-b"]) {
    const ds = loadFaultsDataset(faultsRunDir(run));
    const alerts = ds.labels.reduce((a, b) => a + b, 0);
    console.log(
      JSON.stringify({ run, lines: ds.lines.length, alerts, faults: ds.faults.length, ...baselines(ds) }),
    );
  }
}
