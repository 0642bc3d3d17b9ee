import { createReadStream, type Dirent, promises as fs } from "node:fs";
import { basename, dirname, join, relative } from "node:path";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { Config } from "../config/schema.js";
import { isJsonObject, type JsonValue } from "../core/json.js";
import type { LogRecord } from "../core/log-record.js";
import { SEVERITIES, type Severity } from "../core/severity.js";
import { isoUtc } from "../core/time.js";
import { decodeLine } from "../parsers/decoders/index.js";
import { readLogEntries } from "../parsers/read-entries.js";
import { createProcessor } from "../pipeline/create-processor.js";
import { type AnalyzeReport, analyzeLines } from "./analyze.js";

/** Where a pass remembers which files it has done: `<output-dir>/.logwarden-batch-state.json`. */
export const STATE_FILE = ".logwarden-batch-state.json";
export const SUMMARY_FILE = "summary.json";
/** Report of `<log-dir>/<rel>`: `<output-dir>/<rel>.analysis.json` (never collides with the summary). */
export const REPORT_SUFFIX = ".analysis.json";

interface FileState {
  size: number;
  mtimeMs: number;
  processedAt: string;
  report: string;
}

interface BatchState {
  version: 1;
  files: Record<string, FileState>;
}

/** One anomaly in system 002's analysis-result shape (contracts §3.3). */
export interface BatchAnomaly {
  /** 0-based position of the record in the file (the contract's `index`); `line` is 1-based. */
  index: number;
  line: number;
  timestamp: string;
  message: string;
  user?: string;
  source_ip?: string;
  event_type?: string;
  action?: string;
  service: string | null;
  anomaly_score: number;
  severity: Severity;
  reasons: string[];
  detector: string;
  anomaly_type: string;
}

/** One file's report: the analysis result of §3.3 plus where it came from. */
export interface BatchReport {
  file: string;
  total_events: number;
  anomalies_detected: number;
  anomalies: BatchAnomaly[];
  analysis_time_ms: number;
  model_version: string;
  templates: number;
  anomalies_by_severity: Record<Severity, number>;
  processed_at: string;
}

export interface BatchFileOutcome {
  file: string;
  ok: boolean;
  report?: string;
  error?: string;
  events?: number;
  anomalies?: number;
  ms?: number;
}

export interface BatchPassResult {
  total: number;
  processed: BatchFileOutcome[];
  skipped: number;
  failed: BatchFileOutcome[];
  summaryPath: string;
}

export interface BatchOptions {
  logDir: string;
  outputDir: string;
  config: Config;
  modelVersion: string;
  /** Progress hooks for the CLI (bars on a TTY, a line per file otherwise). */
  onFileStart?: (file: string, bytes: number) => void;
  onFileProgress?: (file: string, bytesRead: number) => void;
  onFileDone?: (outcome: BatchFileOutcome) => void;
}

function errorText(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(error);
}

/** Every non-hidden file under `dir` (relative paths, sorted); symbolic links are listed as they are. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const entries: Dirent[] = await fs.readdir(d, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile() || e.isSymbolicLink()) out.push(relative(dir, full));
    }
  };
  await walk(dir);
  return out.sort();
}

async function loadState(outputDir: string): Promise<BatchState> {
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(join(outputDir, STATE_FILE), "utf8"));
    if (isJsonObject(parsed as JsonValue) && isJsonObject((parsed as { files: JsonValue }).files))
      return parsed as BatchState;
  } catch {
    // No state yet (or unreadable): every file is new.
  }
  return { version: 1, files: {} };
}

/** Writes through a temp file and a rename, so a crash never leaves half a JSON file. */
async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await fs.rename(tmp, path);
}

function openLines(path: string, onBytes?: (n: number) => void): AsyncIterable<string> {
  const raw = createReadStream(path);
  let bytes = 0;
  raw.on("data", (chunk: Buffer | string) => {
    bytes += chunk.length;
    onBytes?.(bytes);
  });
  const stream: Readable = path.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  // A pipe does not forward the source's errors; the reader must see them to fail the file.
  if (stream !== raw) raw.on("error", (err) => stream.destroy(err));
  return readLogEntries(stream);
}

function str(record: LogRecord, key: string): string | undefined {
  const v = record.attributes[key];
  return typeof v === "string" ? v : undefined;
}

/** Maps `analyzeLines`' anomalies to §3.3's shape, with the record each one points at. */
async function toReport(
  file: string,
  path: string,
  report: AnalyzeReport,
  modelVersion: string,
): Promise<BatchReport> {
  const wanted = new Set(report.anomalies.map((a) => a.index));
  const records = new Map<number, LogRecord>();
  if (wanted.size > 0) {
    // Second, cheap pass: only the lines anomalies point at are decoded and kept.
    const observedAt = isoUtc(Date.now());
    let n = 0;
    for await (const line of openLines(path)) {
      n++;
      if (wanted.has(n)) records.set(n, decodeLine(line, { observedAt, defaultService: basename(file) }));
    }
  }
  const anomalies: BatchAnomaly[] = report.anomalies.map((a) => {
    const r = records.get(a.index);
    const out: BatchAnomaly = {
      index: Math.max(0, a.index - 1),
      line: a.index,
      timestamp: r?.timestamp ?? a.timestamp,
      message: r?.body ?? a.description,
      service: a.service,
      anomaly_score: Math.min(1, Math.max(0, a.score)),
      severity: a.severity,
      reasons: [a.explanation.summary || a.description],
      detector: a.detector,
      anomaly_type: a.type,
    };
    if (r) {
      for (const key of ["user", "source_ip", "event_type", "action"] as const) {
        const v = str(r, key);
        if (v !== undefined) out[key] = v;
      }
    }
    return out;
  });
  return {
    file,
    total_events: report.records,
    anomalies_detected: anomalies.length,
    anomalies,
    analysis_time_ms: report.duration_ms,
    model_version: modelVersion,
    templates: report.templates,
    anomalies_by_severity: report.anomalies_by_severity,
    processed_at: isoUtc(Date.now()),
  };
}

/**
 * One pass of system 002's batch processor (contracts §3.7): analyses every new or changed file of
 * `logDir` (size or modification time differ from the last successful pass), writes its report and a
 * summary to `outputDir`, and records what it did in the state file. A file that fails is reported and
 * retried next pass; the others are still processed.
 */
export async function runBatchPass(options: BatchOptions): Promise<BatchPassResult> {
  const { logDir, outputDir } = options;
  const started = isoUtc(Date.now());
  await fs.mkdir(outputDir, { recursive: true });
  const state = await loadState(outputDir);
  const files = await listFiles(logDir);
  const result: BatchPassResult = {
    total: files.length,
    processed: [],
    skipped: 0,
    failed: [],
    summaryPath: join(outputDir, SUMMARY_FILE),
  };
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let events = 0;
  for (const file of files) {
    const path = join(logDir, file);
    const t0 = performance.now();
    try {
      const st = await fs.stat(path);
      if (!st.isFile()) throw new Error("not a regular file");
      const seen = state.files[file];
      if (seen && seen.size === st.size && seen.mtimeMs === st.mtimeMs) {
        result.skipped++;
        continue;
      }
      options.onFileStart?.(file, st.size);
      const analysis = await analyzeLines(
        openLines(path, (n) => options.onFileProgress?.(file, n)),
        createProcessor(options.config),
        { defaultService: basename(file) },
      );
      const report = await toReport(file, path, analysis, options.modelVersion);
      const reportPath = join(outputDir, `${file}${REPORT_SUFFIX}`);
      await writeJsonAtomic(reportPath, report);
      state.files[file] = {
        size: st.size,
        mtimeMs: st.mtimeMs,
        processedAt: report.processed_at,
        report: reportPath,
      };
      await writeJsonAtomic(join(outputDir, STATE_FILE), state);
      for (const a of report.anomalies) bySeverity[a.severity]++;
      events += report.total_events;
      const outcome: BatchFileOutcome = {
        file,
        ok: true,
        report: reportPath,
        events: report.total_events,
        anomalies: report.anomalies_detected,
        ms: Math.round(performance.now() - t0),
      };
      result.processed.push(outcome);
      options.onFileDone?.(outcome);
    } catch (error) {
      const outcome: BatchFileOutcome = { file, ok: false, error: errorText(error) };
      result.failed.push(outcome);
      options.onFileDone?.(outcome);
    }
  }
  await writeJsonAtomic(result.summaryPath, {
    started_at: started,
    finished_at: isoUtc(Date.now()),
    log_dir: logDir,
    output_dir: outputDir,
    model_version: options.modelVersion,
    files_total: result.total,
    files_processed: result.processed.length,
    files_skipped: result.skipped,
    files_failed: result.failed.length,
    total_events: events,
    anomalies_detected: SEVERITIES.reduce((n, s) => n + bySeverity[s], 0),
    anomalies_by_severity: bySeverity,
    files: result.processed.map((p) => ({
      file: p.file,
      report: p.report,
      total_events: p.events,
      anomalies_detected: p.anomalies,
      ms: p.ms,
    })),
    failures: result.failed.map((f) => ({ file: f.file, error: f.error })),
  });
  return result;
}
