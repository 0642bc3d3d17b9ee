import { cpus, loadavg, totalmem } from "node:os";
import {
  formatValue,
  HEAP_FLOOR_SECS,
  KEEP_UP_SHARE,
  type Sample,
  type SoakReport,
  type TOLERANCES,
} from "./run.js";

const MIB = 2 ** 20;
const HEAD = [
  "min",
  "RSS MiB",
  "RSS, heap at live MiB",
  "heap MiB",
  "heap floor MiB",
  "external MiB",
  "loop delay p99 ms",
  "DB MiB",
  "DB B/line",
  "stored lines/s",
  "serve CPU %",
  "load 1m",
  "queue",
  "templates",
  "list p99 ms",
  "errors",
];

function row(s: Sample): string[] {
  return [
    (s.t / 60).toFixed(1),
    (s.rssBytes / MIB).toFixed(0),
    (s.residentLiveBytes / MIB).toFixed(0),
    (s.heapUsedBytes / MIB).toFixed(0),
    (s.heapFloorBytes / MIB).toFixed(0),
    (s.externalBytes / MIB).toFixed(0),
    (s.eventLoopP99Secs * 1000).toFixed(0),
    (s.databaseBytes / MIB).toFixed(0),
    s.bytesPerLine.toFixed(0),
    s.linesPerSec.toFixed(0),
    s.cpuPercent.toFixed(0),
    s.loadAverage.toFixed(1),
    String(s.queueRecords),
    String(s.templates),
    s.queryP99Ms.toFixed(0),
    String(s.errors),
  ];
}

/** Every sample, for the terminal. */
export function textTable(report: SoakReport): string {
  const rows = [HEAD, ...report.samples.map(row)];
  const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padStart(widths[i]!)).join("  ")).join("\n");
}

/** At most `maxRows` samples, evenly spread, always with the first and the last. */
export function thin<T>(items: readonly T[], maxRows: number): T[] {
  if (items.length <= maxRows) return [...items];
  const step = (items.length - 1) / (maxRows - 1);
  return Array.from({ length: maxRows }, (_, i) => items[Math.round(i * step)]!);
}

const SERIES_NAMES: Record<keyof typeof TOLERANCES, string> = {
  residentLiveBytes: "RSS with the V8 heap at its live size (RSS − heap committed + heap floor)",
  heapFloorBytes: `V8 heap live after full GC (before the first: lowest in ${HEAP_FLOOR_SECS} s)`,
  bytesPerLine: "database bytes per stored line",
  eventLoopP99Secs: "event-loop delay p99",
};

export function markdown(report: SoakReport, command: string): string {
  const lines: string[] = [];
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  lines.push(
    `Run ${report.startedAt.slice(0, 16).replace("T", " ")} UTC: \`${command}\` on ${cpus().length} × ${cpu}, ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average at the end ` +
      `${loadavg()
        .map((l) => l.toFixed(1))
        .join(" / ")} (the machine is shared: other work ran at the same time).`,
  );
  lines.push("");
  const cap = report.capacityLinesPerSec;
  lines.push(
    `Load: ${cap === null ? "" : `capacity measured first, ${cap.toLocaleString("en")} lines/s; `}steady ingest at ` +
      `**${report.targetLinesPerSec.toLocaleString("en")} lines/s** for ${report.minutes} min (NDJSON, LogHub lines of ten ` +
      `systems with redrawn values); ${report.errors.alertsAccepted.toLocaleString("en")} alerts accepted ` +
      `(${report.errors.alertsDuplicate} re-posted ids answered as duplicates); ${report.errors.queries.toLocaleString("en")} list reads ` +
      `(anomalies, alerts, incidents, templates, log search and histogram). Sampled every ${report.sampleSecs} s.`,
  );
  lines.push("");
  lines.push(`| ${HEAD.join(" | ")} |`);
  lines.push(`|${HEAD.map(() => "---").join("|")}|`);
  for (const s of thin(report.samples, 25)) lines.push(`| ${row(s).join(" | ")} |`);
  lines.push("");
  lines.push(
    "| Judged over the second half | slope first half | slope second half | growth | allowed | verdict |",
  );
  lines.push("|---|---|---|---|---|---|");
  for (const { series, verdict: v } of report.verdicts)
    lines.push(
      `| ${SERIES_NAMES[series]} | ${formatValue(series, v.earlySlopePerMin)}/min | ${formatValue(series, v.lateSlopePerMin)}/min | ` +
        `${formatValue(series, v.lateGrowth)} | ${formatValue(series, v.allowedGrowth)} | ${v.leveled ? "levels off" : "**still growing**"} |`,
    );
  lines.push(
    `| stored lines/s | | | ${Math.round(report.lateLinesPerSec).toLocaleString("en")} | ≥ ${KEEP_UP_SHARE * 100} % of ${report.targetLinesPerSec.toLocaleString("en")} | ` +
      `${report.lateLinesPerSec >= KEEP_UP_SHARE * report.targetLinesPerSec ? "keeps up" : "**falls behind**"} |`,
  );
  lines.push("");
  lines.push(readsTable(report));
  lines.push("");
  const e = report.errors;
  lines.push(
    `Errors: ingest ${JSON.stringify(e.ingestFailed)}, alerts ${JSON.stringify(e.alertFailed)}, reads ${JSON.stringify(e.queryFailed)}; ` +
      `lines skipped because four batches were waiting: ${e.skippedLines}; ` +
      `refused (503) while capacity was measured, not judged: ${e.capacityRefused ?? 0}; server error log lines: ${e.serverErrorLines}; ` +
      `exit code on SIGTERM: ${report.exitCode}.`,
  );
  lines.push("");
  lines.push(
    report.failures.length
      ? `**Verdict: failed** — ${report.failures.join("; ")}.`
      : "**Verdict: passed** — memory, heap, bytes per line and event-loop delay level off; no request failed.",
  );
  return lines.join("\n");
}

/** Each kind of list read with its median latency early and late: the reads whose cost grows with the data. */
export function readsTable(report: SoakReport): string {
  const lines = [
    "| List read | reads | median ms, first third | median ms, last third | max ms |",
    "|---|---|---|---|---|",
  ];
  for (const r of report.reads)
    lines.push(
      `| \`${r.route}\` | ${r.count} | ${r.firstThirdMedianMs.toFixed(0)} | ${r.lastThirdMedianMs.toFixed(0)} | ${r.maxMs.toFixed(0)} |`,
    );
  return lines.join("\n");
}
