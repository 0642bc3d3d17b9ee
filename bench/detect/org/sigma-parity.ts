/**
 * The shipped Sigma rules (rules/linux/auth: brute force, password spraying, success after failures as
 * detection + correlation rules) beside the TypeScript detectors they restate, on the organisation
 * benchmark's weeks (the judging set): which (rule, entity) pairs each raised, and where they differ.
 * `npx tsx bench/detect/org/sigma-parity.ts`. Prints only: the figures are quoted in docs/sigma.md.
 */
import { fileURLToPath } from "node:url";
import { loadConfig } from "../../../src/config/load.js";
import type { Anomaly } from "../../../src/core/anomaly.js";
import { createProcessor } from "../../../src/pipeline/create-processor.js";
import { analyzeLines } from "../../../src/service/analyze.js";
import { generateOrgWeek } from "./generate.js";
import { JUDGING, shapeNamed } from "./shapes.js";

const RULES = fileURLToPath(new URL("../../../rules", import.meta.url));

/** The TypeScript detector each shipped Sigma rule restates, by title. */
const SIGMA_AS: Record<string, string> = {
  "Brute Force Against One Account": "brute_force",
  "Brute Force From One Address": "brute_force",
  "Password Spraying From One Address": "password_spraying",
  "Successful Login After Repeated Failures": "success_after_failures",
  "Successful Login After Slow Guessing": "success_after_failures",
};

/** `kind entity` of a finding: the detector it stands for and the user or address it is about. */
function pairOf(a: Anomaly): string | null {
  if (a.detector === "sigma") {
    const kind = SIGMA_AS[String(a.features.rule_title)];
    if (!kind) return null;
    const group = a.features.group as Record<string, string>;
    const [field, value] = Object.entries(group)[0]!;
    return `${kind} ${field === "user" ? "user" : "ip"}:${value}`;
  }
  if (!Object.values(SIGMA_AS).includes(a.detector)) return null;
  if (a.detector === "brute_force") return `${a.detector} ${a.key}`;
  const user = a.features.user;
  const ip = a.features.source_ip;
  return a.detector === "password_spraying" ? `${a.detector} ip:${ip}` : `${a.detector} user:${user}`;
}

for (const run of JUDGING) {
  const week = generateOrgWeek(shapeNamed(run.shape), run.seed);
  const report = await analyzeLines(
    week.lines,
    createProcessor(loadConfig({ env: { SIGMA_RULES_DIR: RULES } })),
    { defaultService: "syslog" },
  );
  const ts = new Set<string>();
  const sigma = new Set<string>();
  for (const a of report.anomalies) {
    const pair = pairOf(a);
    if (pair) (a.detector === "sigma" ? sigma : ts).add(pair);
  }
  const both = [...ts].filter((p) => sigma.has(p));
  const onlyTs = [...ts].filter((p) => !sigma.has(p));
  const onlySigma = [...sigma].filter((p) => !ts.has(p));
  console.log(
    `${run.shape} seed ${run.seed}: ${week.lines.length} lines; TypeScript ${ts.size} (kind, entity) pairs, Sigma ${sigma.size}, both ${both.length}`,
  );
  console.log(
    `  only TypeScript: ${onlyTs.slice(0, 12).join("; ") || "none"}${onlyTs.length > 12 ? ` … (${onlyTs.length})` : ""}`,
  );
  console.log(
    `  only Sigma: ${onlySigma.slice(0, 12).join("; ") || "none"}${onlySigma.length > 12 ? ` … (${onlySigma.length})` : ""}`,
  );
}
