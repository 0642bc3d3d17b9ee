/**
 * `npm run bench:detect -- bgl`: operational findings on real labels. LogHub's BGL-2k (../shared/datasets/
 * loghub-2k/BGL, described in ../shared/datasets/bgl-2k/README.md): 2,000 lines of a supercomputer's RAS
 * log, 143 of them alerts, the label column removed before Logwarden reads a line. Logwarden runs twice
 * with its default settings: `analyze` over the file (the use-case behind `logwarden analyze`), and live
 * ingest in record order (100-line requests, findings merged as the store merges them). A line is flagged
 * when a finding cites it as evidence; windows are the evaluator's `count20` and `time6h`. Beside them,
 * two baselines computed in the same run: lines holding the word `FATAL` (a grep), and every line whose
 * level Logwarden reads as ERROR or worse.
 *
 * BGL-2k is the set this detection was developed on (severe events, the novelty rate of new templates, repeats of
 * the caller's errors, the tail of a bursty key). The judging set is the fault-injection one
 * (bench/detect/operational-faults.ts, `bench:detect -- faults`).
 *
 * Run alone: npx tsx bench/detect/bgl.ts
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { loadConfig } from "../../src/config/load.js";
import type { Anomaly } from "../../src/core/anomaly.js";
import { ERROR_SEVERITY_NUMBER, type Severity } from "../../src/core/severity.js";
import { decodeLine } from "../../src/parsers/decoders/index.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { analyzeLines } from "../../src/service/analyze.js";
import { machineLine, table, writeBenchSection } from "../lib/report.js";
import {
  countWindows,
  flaggedLines,
  lineScores,
  mergedAsStored,
  type Scores,
  timeWindows,
  windowScores,
} from "./labelled-lines.js";

const BGL = new URL("../../../shared/datasets/loghub-2k/BGL/BGL_2k.log", import.meta.url);
const LIVE_BATCH = 100;

export interface LabelledLog {
  /** The lines as Logwarden reads them (labels removed). */
  lines: string[];
  labels: boolean[];
  epochSecs: number[];
}

export function readBgl(): LabelledLog {
  const raw = readFileSync(BGL, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
  const lines: string[] = [];
  const labels: boolean[] = [];
  const epochSecs: number[] = [];
  for (const line of raw) {
    const cut = line.indexOf(" ");
    labels.push(line.slice(0, cut) !== "-");
    const rest = line.slice(cut + 1);
    lines.push(rest);
    epochSecs.push(Number(rest.slice(0, rest.indexOf(" "))));
  }
  return { lines, labels, epochSecs };
}

/** `logwarden analyze` over the lines, default settings. */
export async function analyzeFindings(lines: readonly string[], service: string): Promise<Anomaly[]> {
  const report = await analyzeLines(lines, createProcessor(loadConfig({ env: {} })), {
    defaultService: service,
  });
  return report.anomalies;
}

/** Live ingest in record order: requests of 100 lines through one processor, merged as the store does. */
export function liveFindings(lines: readonly string[], service: string): Anomaly[] {
  const processor = createProcessor(loadConfig({ env: {} }));
  const observedAt = new Date().toISOString();
  const out: Anomaly[] = [];
  for (let i = 0; i < lines.length; i += LIVE_BATCH) {
    const records = lines
      .slice(i, i + LIVE_BATCH)
      .map((l) => decodeLine(l, { observedAt, defaultService: service }));
    out.push(...processor.detect(processor.mine(records, i + 1)));
  }
  return mergedAsStored(out);
}

interface Row {
  name: string;
  findings: number | string;
  flagged: boolean[];
}

function cell(s: Scores): string {
  return `${s.precision.toFixed(2)} / ${s.recall.toFixed(2)} / **${s.f1.toFixed(3)}**`;
}

export function scoreRows(log: LabelledLog, rows: readonly Row[]): string {
  const c20 = countWindows(log.lines.length, 20);
  const t6h = timeWindows(log.epochSecs, 21_600);
  return table(
    ["", "findings", "lines flagged", "line P / R / F1", "count20 P / R / F1", "time6h P / R / F1"],
    rows.map((r) => [
      r.name,
      r.findings,
      r.flagged.filter(Boolean).length,
      cell(lineScores(log.labels, r.flagged)),
      cell(windowScores(c20, log.labels, r.flagged)),
      cell(windowScores(t6h, log.labels, r.flagged)),
    ]),
  );
}

/** The product's rows (all findings, and medium and above) for analyze and live, and the two baselines. */
export async function productAndBaselines(log: LabelledLog, service: string): Promise<Row[]> {
  const analyzed = await analyzeFindings(log.lines, service);
  const live = liveFindings(log.lines, service);
  const n = log.lines.length;
  const at = (list: Anomaly[], min: Severity) => list.filter((a) => a.severity !== "low" || min === "low");
  const observedAt = new Date().toISOString();
  const levels = log.lines.map((l) => decodeLine(l, { observedAt, defaultService: service }).severityNumber);
  return [
    {
      name: "`analyze`, every finding",
      findings: analyzed.length,
      flagged: flaggedLines(analyzed, n, "low"),
    },
    {
      name: "`analyze`, medium and above",
      findings: at(analyzed, "medium").length,
      flagged: flaggedLines(analyzed, n, "medium"),
    },
    { name: "live ingest, every finding", findings: live.length, flagged: flaggedLines(live, n, "low") },
    {
      name: "live ingest, medium and above",
      findings: at(live, "medium").length,
      flagged: flaggedLines(live, n, "medium"),
    },
    {
      name: "baseline: lines holding `FATAL`",
      findings: "–",
      flagged: log.lines.map((l) => l.includes("FATAL")),
    },
    {
      name: "baseline: level ERROR or worse",
      findings: "–",
      flagged: levels.map((v) => v >= ERROR_SEVERITY_NUMBER),
    },
  ];
}

export async function runBglBench(): Promise<string> {
  const log = readBgl();
  const alerts = log.labels.filter(Boolean).length;
  const rows = await productAndBaselines(log, "bgl");
  return [
    "## Operational findings on real labels: BGL-2k (`bench:detect -- bgl`)",
    "",
    machineLine(),
    "",
    `LogHub's BGL-2k: ${log.lines.length} lines, ${alerts} alerts (label column removed before reading). A line is flagged when a finding cites it as evidence; a window is anomalous when it holds an alert and flagged when it holds a flagged line (\`count20\`: 20-line windows; \`time6h\`: 6-hour windows anchored at data, as ../shared/bench/loghub2k_windows_eval.py). Default settings; live ingest sends 100-line requests in record order and its findings are merged as the store merges them (latest 50 evidence lines a finding). This is the set the severe-event detector, \`new_template\`'s novelty rate, the caller's-error repeats and the burst-tail rule of \`volume\` were developed on; they are judged on the fault-injection set (\`bench:detect -- faults\`).`,
    "",
    scoreRows(log, rows),
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const md = await runBglBench();
  writeBenchSection("bgl", md);
  console.log(md);
}
