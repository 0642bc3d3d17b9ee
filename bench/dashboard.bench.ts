/**
 * `npm run bench:dashboard`: the dashboard's weight and first load. Builds the app when dist/web is
 * stale, gzips each JS and CSS asset (what a browser downloads), then serves it from an in-process
 * Logwarden and opens `/` in Debian's Chromium with a fresh profile (nothing cached) three times, reading
 * first-contentful-paint from the Performance API. Writes the `dashboard` section of docs/benchmarks.md.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { buildApp } from "../src/api/app.js";
import { loadConfig } from "../src/config/load.js";
import { createRuntime } from "../src/runtime/create-runtime.js";
import { createLogger } from "../src/telemetry/logger.js";
import { CHROMIUM, launchBrowser } from "../test/web/browser.js";
import { ensureWebBuilt, WEB_DIST } from "../test/web/build.js";
import { machineLine, median, table, writeBenchSection } from "./lib/report.js";

const RUNS = 3;

function assetSizes() {
  const dir = join(WEB_DIST, "assets");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".js") || f.endsWith(".css"))
    .map((f) => {
      const body = readFileSync(join(dir, f));
      return { file: f, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
    });
}

async function firstPaints(): Promise<{ fcp: number[]; load: number[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), "logwarden-bench-web-"));
  const config = loadConfig({ env: { DATA_DIR: dataDir, API_TOKEN: "bench", LOG_LEVEL: "silent" } });
  const rt = await createRuntime(config, createLogger("silent"));
  const app = await buildApp(rt);
  const fcp: number[] = [];
  const load: number[] = [];
  try {
    const url = await app.listen({ port: 0, host: "127.0.0.1" });
    for (let i = 0; i < RUNS; i++) {
      const browser = await launchBrowser();
      try {
        const page = await browser.context.newPage();
        await page.goto(`${url}/`, { waitUntil: "load" });
        await page.getByLabel("API token").waitFor();
        // The paint entry can land a moment after the page is usable: wait for it with a buffered observer.
        const t = (await page.evaluate(`new Promise((resolve) => {
          const done = (fcp) => {
            const nav = performance.getEntriesByType("navigation")[0];
            resolve({ fcp, load: nav ? nav.loadEventEnd : NaN });
          };
          new PerformanceObserver((list) => {
            const e = list.getEntriesByName("first-contentful-paint")[0];
            if (e) done(e.startTime);
          }).observe({ type: "paint", buffered: true });
          setTimeout(() => done(NaN), 5000);
        })`)) as { fcp: number; load: number };
        fcp.push(t.fcp);
        load.push(t.load);
      } finally {
        await browser.close();
      }
    }
  } finally {
    await app.close();
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { fcp, load };
}

ensureWebBuilt();
const sizes = assetSizes();
const js = sizes.filter((s) => s.file.endsWith(".js"));
const css = sizes.filter((s) => s.file.endsWith(".css"));
const sum = (xs: { gzip: number }[]) => xs.reduce((n, x) => n + x.gzip, 0);
const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const { fcp, load } = await firstPaints();
const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(", ")})`;

const md = `## Dashboard

\`npm run bench:dashboard\` (\`bench/dashboard.bench.ts\`). ${machineLine()} Chromium: \`${CHROMIUM}\`, headless,
fresh profile per run (cold cache), server on loopback.

${table(
  ["Asset", "Size", "Gzipped (level 9)"],
  sizes.map((s) => [`\`${s.file}\``, kib(s.raw), kib(s.gzip)]),
)}

**Total gzipped:** JS ${kib(sum(js))}, CSS ${kib(sum(css))} — one JS chunk (React 19 + the app), no chart or
router library (the chart is hand-rolled SVG).

| First load of \`/\` (median of ${RUNS}) | |
| --- | --- |
| First contentful paint | ${ms(fcp)} |
| Load event end | ${ms(load)} |
`;
writeBenchSection("dashboard", md);
console.log(md);
