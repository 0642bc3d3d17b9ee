/**
 * `npm run soak -- --minutes N [--rate LINES_PER_SEC] [--sample-secs S] [--capacity-secs S] [--markdown FILE]
 * [--json FILE] [--keep]`: a real `logwarden serve` under steady mixed load (ingest at half its measured
 * capacity, triage alerts, list reads), sampled every S seconds; exits 1 when memory, heap, bytes per
 * stored line or event-loop delay keep growing over the second half, when it falls behind, or when any
 * request fails. Prints a table and a Markdown section (docs/reliability.md "Soak" holds the last long run).
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { markdown, textTable } from "./soak/report.js";
import { DEFAULT_OPTIONS, runSoak } from "./soak/run.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string" },
    rate: { type: "string" },
    "sample-secs": { type: "string" },
    "capacity-secs": { type: "string" },
    markdown: { type: "string" },
    json: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});

function positive(name: string, raw: string | undefined, fallback?: number): number | undefined {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    console.error(`--${name}: expected a positive number, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

const minutes = positive("minutes", values.minutes, DEFAULT_OPTIONS.minutes)!;
const report = await runSoak({
  ...DEFAULT_OPTIONS,
  minutes,
  rate: positive("rate", values.rate),
  sampleSecs: positive("sample-secs", values["sample-secs"], minutes <= 5 ? 10 : DEFAULT_OPTIONS.sampleSecs)!,
  capacitySecs: positive("capacity-secs", values["capacity-secs"], DEFAULT_OPTIONS.capacitySecs)!,
  keep: values.keep,
});

const command = `npm run soak -- ${process.argv.slice(2).join(" ")}`.trim();
const section = markdown(report, command);
console.info(`\n${textTable(report)}\n\n${section}`);
if (values.markdown) writeFileSync(values.markdown, `${section}\n`);
if (values.json) writeFileSync(values.json, `${JSON.stringify(report, null, 2)}\n`);
process.exit(report.failures.length ? 1 : 0);
