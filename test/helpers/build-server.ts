import { readdirSync, rmSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build, type Plugin } from "esbuild";
import { bundleDependencies, bundleThreadEntries } from "../../scripts/bundle-deps.mjs";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
/**
 * One level below the repository, as `dist/` is, so paths the code resolves from its own file still hold;
 * one per test run (its pid), so runs side by side in one checkout do not remove each other's.
 */
const PREFIX = ".test-build-";
const BUILD_DIR = join(REPO, `${PREFIX}${process.pid}`);

/**
 * Test scripts that run as a process or thread of their own (started with `testScript` or
 * `builtTestScript`, test/helpers/cli.ts): built too, into `test/` of the build, so they start as plain
 * JavaScript instead of registering tsx and compiling every module they import (1.4-2 s of CPU a start,
 * against about 0.3 s).
 */
export const TEST_SCRIPTS = [
  "test/helpers/dispatcher-worker.ts",
  "test/parsers/fixtures/parse-cli-entry.ts",
  "test/store/segments/seal-crash-child.ts",
  "test/store/segments/s3-seal-crash-child.ts",
];

/**
 * Vitest global setup: transpiles `src/` once per run (esbuild, file by file, like `tsc` into `dist/` but
 * in about a second) and hands the entry to the tests as LOGWARDEN_SERVE_ENTRY, so a test that starts
 * `logwarden serve` (test/helpers/cli.ts `startServe`, the soak) runs plain JavaScript instead of compiling
 * every module through tsx at each start (19-20 s a start against 8-9 s, load 13 on the shared 2-core
 * machine; a serve start stays seconds of migrations and set-up), and the crash
 * harness alone starts the server 22 times. Built from the sources of this run, so never stale as `dist/`
 * can be. `LOGWARDEN_SERVE_ENTRY=tsx` keeps the old way.
 */
export default async function setup(): Promise<() => void> {
  if (process.env.LOGWARDEN_SERVE_ENTRY === "tsx") {
    delete process.env.LOGWARDEN_SERVE_ENTRY;
    return () => {};
  }
  const src = join(REPO, "src");
  removeLeftovers();
  await build({
    entryPoints: sources(src),
    outdir: BUILD_DIR,
    outbase: src,
    platform: "node",
    format: "esm",
    target: "node20",
    bundle: false,
    sourcemap: false,
    logLevel: "warning",
  });
  await buildTestScripts(src);
  // As `npm run build` lays out dist/: kysely as one module (scripts/bundle-deps.mjs), which every serve
  // and every segment store thread the tests start would otherwise load as 262.
  await bundleDependencies(BUILD_DIR);
  // And each thread's modules as one file: the suite starts hundreds of segment store and decode threads.
  await bundleThreadEntries(BUILD_DIR);
  process.env.LOGWARDEN_SERVE_ENTRY = join(BUILD_DIR, "cli", "index.js");
  // The segment store's threads started by tests in this process start from the build as well
  // (src/threads/module-thread.ts).
  process.env.LOGWARDEN_THREAD_MODULES = BUILD_DIR;
  return () => rmSync(BUILD_DIR, { recursive: true, force: true });
}

/**
 * Each test script as one file (the test helpers it imports bundled in), importing the product's modules
 * from the build, so a script runs the same modules `serve` does, and packages from node_modules.
 */
async function buildTestScripts(src: string): Promise<void> {
  await build({
    entryPoints: TEST_SCRIPTS.map((path) => join(REPO, path)),
    outdir: join(BUILD_DIR, "test"),
    outbase: join(REPO, "test"),
    platform: "node",
    format: "esm",
    target: "node20",
    bundle: true,
    packages: "external",
    plugins: [productModulesFromBuild(src)],
    logLevel: "warning",
  });
}

/** Resolves an import of a module of `src` (`../../src/store/db.js`) to its built file. */
function productModulesFromBuild(src: string): Plugin {
  return {
    name: "product-modules-from-build",
    setup(b) {
      b.onResolve({ filter: /^\./ }, (args) => {
        const target = resolve(args.resolveDir, args.path);
        const inSrc = relative(src, target);
        if (inSrc.startsWith("..")) return undefined;
        return { path: pathToFileURL(join(BUILD_DIR, inSrc.replace(/\.ts$/, ".js"))).href, external: true };
      });
    },
  };
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts") && !name.endsWith(".d.ts")) out.push(path);
  }
  return out;
}

/** Builds of runs that ended without their teardown (killed): their process is gone. */
function removeLeftovers(): void {
  for (const name of readdirSync(REPO)) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length));
    if (pid !== process.pid && alive(pid)) continue;
    rmSync(join(REPO, name), { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
