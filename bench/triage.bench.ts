/**
 * `npm run bench:triage`: alerts per second through the whole triage chain (intake → normalise →
 * context → threat intel → risk → incidents) on a fresh SQLite store, without the LLM. Writes the
 * `triage` section of docs/benchmarks.md.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../src/config/load.js";
import { systemClock } from "../src/core/clock.js";
import { isoUtc } from "../src/core/time.js";
import { openStore } from "../src/store/db.js";
import { upsertIndicators } from "../src/store/repos/intel-feeds.js";
import { upsertAssets, upsertUsers } from "../src/store/repos/inventory.js";
import { createLogger } from "../src/telemetry/logger.js";
import { toIncomingAlert } from "../src/triage/intake.js";
import { TriageService } from "../src/triage/service.js";
import { machineLine, writeBenchSection } from "./lib/report.js";

const TOTAL = Number(process.env.BENCH_ALERTS ?? 50_000);
const POST_SIZE = 500;

const dir = mkdtempSync(join(tmpdir(), "logwarden-bench-triage-"));
const store = openStore({ url: join(dir, "bench.db") });
await store.migrate();
const now = isoUtc(Date.now());
const hex = (n: number) => n.toString(16).padStart(64, "0");
await upsertAssets(
  store.db,
  Array.from({ length: 200 }, (_, i) => ({
    asset_id: `asset-${i}`,
    hostname: `host-${i}`,
    ip: `10.0.${i >> 8}.${i & 255}`,
    owner: null,
    criticality: (["low", "medium", "high", "critical"] as const)[i % 4]!,
    environment: "prod",
    attributes: {},
  })),
  now,
);
await upsertUsers(
  store,
  Array.from({ length: 500 }, (_, i) => ({
    user_id: `u-${i}`,
    name: `user${i}`,
    email: null,
    department: null,
    privileged: i % 10 === 0,
    attributes: {},
  })),
  now,
);
// A feed of 10,000 indicators, of which the alerts hit some.
await upsertIndicators(
  store.db,
  Array.from({ length: 10_000 }, (_, i) => ({
    ioc: i % 2 ? `198.51.${(i >> 8) & 255}.${i & 255}` : hex(i),
    ioc_type: i % 2 ? ("ip" as const) : ("hash" as const),
    feed: "bench",
    threat_level: i % 3 ? ("suspicious" as const) : ("malicious" as const),
    confidence: 0.8,
    description: null,
  })),
  now,
);

const config = loadConfig({ env: process.env });
const triage = new TriageService(store, config.triage, systemClock, createLogger("silent"));
triage.start();

// Varied alerts: public and private sources, 2,000 distinct source IPs and hashes, so the intel cache,
// the feeds and the incident grouping all do real work.
const alerts = Array.from({ length: TOTAL }, (_, i) =>
  toIncomingAlert(
    {
      alert_id: `bench-${i}`,
      source_ip: i % 3 ? `198.51.${(i >> 8) & 7}.${i & 255}` : `10.1.${(i >> 8) & 7}.${i & 255}`,
      target_ip: `10.0.0.${i % 200}`,
      file_hash: i % 4 === 0 ? hex(i % 2000) : null,
      asset_id: `asset-${i % 200}`,
      user_id: `u-${i % 500}`,
      severity: (["low", "medium", "high", "critical"] as const)[i % 4],
      rule_name: `rule-${i % 50}`,
    },
    i,
  ),
);

const t0 = performance.now();
for (let i = 0; i < alerts.length; i += POST_SIZE) await triage.submit(alerts.slice(i, i + POST_SIZE));
await triage.idle();
const secs = (performance.now() - t0) / 1000;
const stageStats = triage.stats();
const rate = Math.round(TOTAL / secs);

const counts = await Promise.all(
  (
    ["alerts", "alert_context", "threat_intel", "triage_results", "incidents", "remediation_actions"] as const
  ).map(
    async (t) =>
      [
        t,
        Number(
          (
            await store.db
              .selectFrom(t)
              .select((eb) => eb.fn.countAll().as("n"))
              .executeTakeFirstOrThrow()
          ).n,
        ),
      ] as const,
  ),
);
const triaged = await store.db
  .selectFrom("alerts")
  .select((eb) => eb.fn.countAll().as("n"))
  .where("status", "=", "triaged")
  .executeTakeFirstOrThrow();
await triage.stop();
await store.close();
rmSync(dir, { recursive: true, force: true });
if (Number(triaged.n) !== TOTAL) throw new Error(`only ${triaged.n} of ${TOTAL} alerts were triaged`);

const md = `## Triage pipeline (\`npm run bench:triage\`)

${machineLine()}

${TOTAL.toLocaleString("en")} alerts posted in batches of ${POST_SIZE} through intake, normalise, context (asset and user
inventory, network classification), threat intel (10,000 local indicators, TTL cache) and the rule-based risk model,
with incident grouping, on SQLite; no LLM. Stage batch size ${config.triage.batchSize}.

| Alerts | Seconds | Alerts/s | Rows written |
|---:|---:|---:|---|
| ${TOTAL.toLocaleString("en")} | ${secs.toFixed(2)} | **${rate.toLocaleString("en")}** | ${counts.map(([t, n]) => `${t} ${n.toLocaleString("en")}`).join(", ")} |

Time inside each stage (ms; stages overlap, and all share SQLite's one connection):
${Object.entries(stageStats)
  .map(([name, s]) => `${name} ${s.busy_ms.toLocaleString("en")}`)
  .join(", ")}.
`;
writeBenchSection("triage", md);
console.log(md);
