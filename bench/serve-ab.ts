/**
 * `logwarden serve` built from another commit against the working tree's, in turns under bench:ingest's
 * load (`bench/lib/ingest-load.ts`), each run on a fresh data directory: the ratio of runs made side by
 * side holds where absolute lines/s follow the machine's speed (which moved 2.5× between days here).
 *
 *   npx tsx bench/serve-ab.ts --ref=a9dffd9 --ref-store=table   # the code issue 18 was filed against
 *   npx tsx bench/serve-ab.ts --ref=HEAD --pairs=6              # a change not committed yet
 *
 * The commit is checked out (`git worktree`, detached) into bench/.out/serve-ab/<sha> beside this checkout's
 * node_modules, and built with `tsc` once. Options: `--pairs=N` (4), `--secs=N` (15), `--warmup=N` (3),
 * `--ref-store` and `--store` (LOG_STORE of each side; segments).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { type LoadFigures, type LogStoreName, measureIngest } from "./lib/ingest-load.js";
import { ingestBodies, ROOT, withServer } from "./lib/ingest-server.js";
import { option } from "./lib/options.js";
import { fmt, median } from "./lib/report.js";

const REF = option("ref", "");
if (!REF) throw new Error("usage: npx tsx bench/serve-ab.ts --ref=COMMIT [--ref-store=table] [--pairs=4]");
const PAIRS = Number(option("pairs", "4"));
const SECS = Number(option("secs", "15"));
const WARMUP = Number(option("warmup", "3"));
const STORES = {
  ref: option("ref-store", "segments") as LogStoreName,
  tree: option("store", "segments") as LogStoreName,
};

/** The commit's checkout, built: the directory `serve` runs from. */
function refTree(ref: string): { dir: string; sha: string } {
  const sha = execFileSync("git", ["rev-parse", `${ref}^{commit}`], { cwd: ROOT, encoding: "utf8" }).trim();
  const dir = join(ROOT, "bench/.out/serve-ab", sha);
  if (!existsSync(join(dir, "dist/cli/index.js"))) {
    if (!existsSync(dir)) {
      mkdirSync(join(ROOT, "bench/.out/serve-ab"), { recursive: true });
      execFileSync("git", ["worktree", "add", "--detach", dir, sha], { cwd: ROOT, stdio: "inherit" });
    }
    if (!existsSync(join(dir, "node_modules")))
      symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    execFileSync(
      process.execPath,
      [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"],
      {
        cwd: dir,
        stdio: "inherit",
      },
    );
  }
  return { dir, sha };
}

type Side = "ref" | "tree";

async function run(side: Side, root: string | undefined, bodies: string[]): Promise<LoadFigures> {
  const store = STORES[side];
  return withServer(
    `serve-ab-${side}`,
    { LOG_STORE: store },
    (server) => measureIngest(server, { store, bodies, connections: 4, warmupSecs: WARMUP, secs: SECS }),
    { root },
  );
}

const ref = refTree(REF);
const bodies = ingestBodies(200);
const runs: Record<Side, LoadFigures[]> = { ref: [], tree: [] };
for (let pair = 0; pair < PAIRS; pair++) {
  const order: Side[] = pair % 2 === 0 ? ["ref", "tree"] : ["tree", "ref"];
  for (const side of order) {
    const r = await run(side, side === "ref" ? ref.dir : undefined, bodies);
    runs[side].push(r);
    console.log(
      `pair ${pair + 1} ${side}: ${fmt(r.linesPerSec)} lines/s, ${r.cpuUsPerLine?.toFixed(1) ?? "?"} µs a line, ${r.non2xx} non-2xx`,
    );
  }
}
const ratios = runs.tree.map((t, k) => t.linesPerSec / runs.ref[k]!.linesPerSec);
const cpuRatios = runs.tree.map(
  (t, k) => (t.cpuUsPerLine ?? Number.NaN) / (runs.ref[k]!.cpuUsPerLine ?? Number.NaN),
);
for (const side of ["ref", "tree"] as const)
  console.log(
    `${side === "ref" ? `${REF} (${ref.sha.slice(0, 7)})` : "working tree"}, LOG_STORE=${STORES[side]}: ` +
      `${fmt(median(runs[side].map((r) => r.linesPerSec)))} lines/s, ` +
      `${median(runs[side].map((r) => r.cpuUsPerLine ?? Number.NaN)).toFixed(1)} µs a line (medians)`,
  );
console.log(
  `working tree / ${REF}: ${median(ratios).toFixed(2)}× the lines/s (pairs ${ratios.map((x) => x.toFixed(2)).join(", ")}), ` +
    `${median(cpuRatios).toFixed(2)}× the CPU a line`,
);
