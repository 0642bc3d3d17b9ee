/**
 * Lists one rule's alerts on a seed of the security benchmark's generator, each marked HIT (with the attack
 * it matched) or MISS: `npx tsx bench/detect/security-diagnose.ts <seed> [rule]`. For tuning use seeds 1–3
 * only; the benchmark reports the generator's default seed, which nobody tunes on.
 */
import { configSchema } from "../../src/config/schema.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { analyzeLines } from "../../src/service/analyze.js";
import { generateAuthLog } from "./auth-log-generator.js";
import { matches } from "./security.js";

const [seedText = "1", rule = "unusual_login_hour"] = process.argv.slice(2);
const log = generateAuthLog({ seed: Number(seedText) });
const report = await analyzeLines(log.lines, createProcessor(configSchema.parse({})), {
  defaultService: "auth",
});
const alerts = report.anomalies.filter((a) => a.detector === rule);
console.log(`seed ${seedText}: ${alerts.length} ${rule} alerts; ${log.incidents.length} attacks injected`);
for (const a of alerts) {
  // The benchmark's window for "on another attack": up to an hour after it.
  const hit = log.incidents.find((i) => matches(a, i, 3_600_000));
  console.log(`${hit ? `HIT ${hit.kind}` : "MISS"}\t${a.timestamp}\t${a.key}\t${a.explanation.summary}`);
}
