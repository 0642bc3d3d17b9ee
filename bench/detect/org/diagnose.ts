/**
 * Lists every unmatched finding of one run, for whoever tunes the detectors (tuning shapes only):
 * `npx tsx bench/detect/org/diagnose.ts [shape] [seed] [detector]`.
 */
import { configSchema } from "../../../src/config/schema.js";
import { createProcessor } from "../../../src/pipeline/create-processor.js";
import { analyzeLines } from "../../../src/service/analyze.js";
import { generateOrgWeek } from "./generate.js";
import { matchesAttack } from "./score.js";
import { shapeNamed } from "./shapes.js";

const [shapeName = "two-site", seedText = "1101", only] = process.argv.slice(2);
const week = generateOrgWeek(shapeNamed(shapeName), Number(seedText));
const report = await analyzeLines(week.lines, createProcessor(configSchema.parse({})), {
  defaultService: "syslog",
});
for (const f of report.anomalies) {
  if (only && f.detector !== only) continue;
  const hit = week.attacks.find((a) => matchesAttack(f, a));
  console.log(
    `${hit ? `HIT ${hit.kind}` : "MISS"}\t${f.detector}\t${f.timestamp}\t${f.key}\t${f.score.toFixed(2)}\t${f.explanation.summary}`,
  );
}
for (const a of week.attacks)
  console.log(
    `ATTACK\t${a.kind}\t${new Date(a.start).toISOString()}\t${JSON.stringify(a.entities)}\t${a.note}`,
  );
