/**
 * `npm run bench:detect -- faults`: operational findings judged on logs nobody tuned on. PostgreSQL,
 * RabbitMQ and nginx run on this machine and made to fail on purpose (bench/detect/faults: generate.ts made
 * the data, score.ts scores it, data/README.md says how and the labelling rule). Logwarden reads the lines
 * with default settings, as `analyze` over the merged file (one upload) and as live ingest in record order
 * with each line's service named (as a collector sends them: postgresql, rabbitmq, nginx), findings merged
 * as the store merges them. Flagged lines are the evidence findings cite, at every severity and at medium
 * and above; beside them the scorer's two baselines, computed from the raw lines in the same run.
 *
 * `run-b` is the judging set (four of its fault kinds do not occur in `run-a`); `run-a` may be tuned on.
 *
 * Run alone: npx tsx bench/detect/operational-faults.ts [run-a] [run-b]
 */
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { loadConfig } from "../../src/config/load.js";
import type { Anomaly } from "../../src/core/anomaly.js";
import { decodeLine } from "../../src/parsers/decoders/index.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { analyzeLines } from "../../src/service/analyze.js";
import { machineLine, table, writeBenchSection } from "../lib/report.js";
import {
  baselines,
  type FaultsDataset,
  type FaultsScore,
  faultsRunDir,
  loadFaultsDataset,
  SERVICE_OF,
  scoreFlags,
} from "./faults/score.js";
import { flaggedLines, mergedAsStored } from "./labelled-lines.js";

const LIVE_BATCH = 100;

function liveFindings(ds: FaultsDataset): Anomaly[] {
  const processor = createProcessor(loadConfig({ env: {} }));
  const out: Anomaly[] = [];
  for (let i = 0; i < ds.lines.length; i += LIVE_BATCH) {
    const records = ds.lines.slice(i, i + LIVE_BATCH).map((line, k) => {
      const at = new Date(ds.times[i + k]!).toISOString();
      return decodeLine(line, { observedAt: at, defaultService: SERVICE_OF[ds.sources[i + k]!] });
    });
    out.push(...processor.detect(processor.mine(records, i + 1)));
  }
  return mergedAsStored(out);
}

function indexes(flags: readonly boolean[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < flags.length; i++) if (flags[i]) out.push(i);
  return out;
}

function cell(p: { precision: number; recall: number; f1: number }): string {
  return `${p.precision.toFixed(2)} / ${p.recall.toFixed(2)} / **${p.f1.toFixed(3)}**`;
}

function row(name: string, findings: number | string, s: FaultsScore): (string | number)[] {
  return [
    name,
    findings,
    s.flagged,
    `${s.faultsHit} of ${s.faults}`,
    cell(s.line),
    cell(s.count20),
    cell(s.time60s),
    cell(s.time10m),
  ];
}

export async function faultsRun(run: string): Promise<string> {
  const ds = loadFaultsDataset(faultsRunDir(run));
  const n = ds.lines.length;
  const analyzed = (
    await analyzeLines(ds.lines, createProcessor(loadConfig({ env: {} })), { defaultService: "faults" })
  ).anomalies;
  const live = liveFindings(ds);
  const medium = (list: Anomaly[]) => list.filter((a) => a.severity !== "low").length;
  const { keyword, errorLevel } = baselines(ds);
  const alerts = ds.labels.reduce((a, b) => a + b, 0);
  const kinds = [...new Set(ds.faults.map((f) => f.kind))].join(", ");
  return [
    `**${run}**${run === "run-b" ? " (judging set)" : " (may be tuned on)"}: ${n} lines, ${alerts} alerts, ${ds.faults.length} faults (${kinds}).`,
    "",
    table(
      ["", "findings", "lines flagged", "faults hit", "line P / R / F1", "count20", "time60s", "time10m"],
      [
        row(
          "`analyze`, every finding",
          analyzed.length,
          scoreFlags(ds, indexes(flaggedLines(analyzed, n, "low"))),
        ),
        row(
          "`analyze`, medium and above",
          medium(analyzed),
          scoreFlags(ds, indexes(flaggedLines(analyzed, n, "medium"))),
        ),
        row("live ingest, every finding", live.length, scoreFlags(ds, indexes(flaggedLines(live, n, "low")))),
        row(
          "live ingest, medium and above",
          medium(live),
          scoreFlags(ds, indexes(flaggedLines(live, n, "medium"))),
        ),
        row("baseline: `FATAL` or `PANIC` in the line", "–", keyword),
        row("baseline: level ERROR or worse", "–", errorLevel),
      ],
    ),
  ].join("\n");
}

export async function runFaultsBench(runs: readonly string[] = ["run-b", "run-a"]): Promise<string> {
  const present = runs.filter((r) => existsSync(faultsRunDir(r)));
  const parts = [
    "## Operational findings judged on injected faults (`bench:detect -- faults`)",
    "",
    machineLine(),
    "",
    "PostgreSQL 15, RabbitMQ 3.10 and nginx 1.22 run on a development machine, given normal traffic and made to fail on purpose; every line is one the server wrote (bench/detect/faults/data/README.md: how the data was made, the labelling rule, the fault kinds). Default settings. `analyze` reads the merged file as one upload; live ingest sends 100-line requests in record order with each line's service named, findings merged as the store merges them. A line is flagged when a finding cites it; *faults hit*: faults with at least one of their alert lines flagged. Windows: 20 lines, 60 s and 10 min (anchored at data).",
  ];
  for (const run of present) parts.push("", await faultsRun(run));
  if (present.length === 0) parts.push("", "No run found under bench/detect/faults/data.");
  return parts.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const runs = process.argv.slice(2);
  const md = await runFaultsBench(runs.length ? runs : undefined);
  writeBenchSection("faults", md);
  console.log(md);
}
