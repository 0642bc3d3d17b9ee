/**
 * `npm run bench:detect`: every detection benchmark, each writing its own section of
 * docs/benchmarks.md. The security benchmark is another module's; it runs when its file exists.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { writeBenchSection } from "./lib/report.js";

type Section = [name: string, run: () => Promise<string>];

const sections: Section[] = [
  ["hdfs-sessions", async () => (await import("./detect/hdfs-sessions.js")).runHdfsSessionsBench()],
  ["hdfs-end-to-end", async () => (await import("./detect/hdfs-end-to-end.js")).runHdfsEndToEndBench()],
  ["iforest", async () => (await import("./detect/iforest.js")).runIsolationForestBench()],
  ["hasura", async () => (await import("./detect/hasura-outliers.js")).runHasuraOutliersBench()],
  // Writes the judging set of bench/detect/org; prints the tuning set too.
  ["org", async () => (await import("./detect/org/bench.js")).runOrgBench()],
  // Operational findings on real labels: BGL-2k (developed on), and injected faults (run-b judges).
  ["bgl", async () => (await import("./detect/bgl.js")).runBglBench()],
  ["faults", async () => (await import("./detect/operational-faults.js")).runFaultsBench()],
];
if (existsSync(fileURLToPath(new URL("./detect/security.ts", import.meta.url))))
  sections.push([
    "security",
    async () => {
      // A computed specifier: the file may not exist yet, so the compiler must not resolve it.
      const spec = "./detect/security.js";
      const mod = (await import(spec)) as { runSecurityBench?: () => Promise<string> };
      if (!mod.runSecurityBench) throw new Error("bench/detect/security.ts has no runSecurityBench export");
      return mod.runSecurityBench();
    },
  ]);

const only = process.argv.slice(2);
for (const [name, run] of sections) {
  if (only.length > 0 && !only.includes(name)) continue;
  const started = performance.now();
  const md = await run();
  writeBenchSection(name, md);
  console.log(`${md}\n\n(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
