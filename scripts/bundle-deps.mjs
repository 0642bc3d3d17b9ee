#!/usr/bin/env node
// Packages made of hundreds of small ES modules load far faster as one file, and a Logwarden process loads
// them again in every thread it starts: kysely's 262 modules cost about 0.25 s of CPU to load, the same
// code as one bundle 0.03 s, and `serve` loads it on its main thread and in the segment store's build,
// sealing and read threads. So a build bundles each package of BUNDLED into `<out>/vendor/<name>.js`
// (esbuild, the package's own ES build, names kept) and points the built modules' imports of it there.
// The code run is the package's, unchanged; only how it is laid out on disk differs.
//
//   node scripts/bundle-deps.mjs [outDir]   (default dist; `npm run build` and `npm start` run it, and the
//                                            test suite's build of src/, test/helpers/build-server.ts)
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

export const BUNDLED = ["kysely"];
/**
 * The modules a worker thread starts from (src/threads/module-thread.ts), each built into one file with
 * the product modules it imports (packages and the vendor bundles stay outside): a thread loads its
 * 40-90 modules again, about 0.3 s of CPU a start where one file takes a tenth of that, and the segment
 * store starts three or four of them (`bundleThreadEntries`, for the test suite's build). Checked before bundling: no module of these graphs may depend on
 * where it lies (`import.meta.url`) at load time; migrate.ts (which reads package.json beside it) is
 * imported when a store is migrated, which no thread does.
 */
export const THREAD_ENTRIES = [
  "store/segments/seal-worker.js",
  "store/segments/read-worker.js",
  "store/segments/build-worker.js",
  "api/ingest-decode/decode-worker.js",
];
const VENDOR = "vendor";
const REPO = fileURLToPath(new URL("..", import.meta.url));

/** Bundles BUNDLED into `outDir/vendor` and rewrites the imports of them in `outDir`'s modules. */
export async function bundleDependencies(outDir) {
  for (const name of BUNDLED) {
    await build({
      stdin: { contents: `export * from ${JSON.stringify(name)};`, resolveDir: REPO, loader: "js" },
      outfile: join(outDir, VENDOR, `${name}.js`),
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      keepNames: true,
      logLevel: "warning",
    });
  }
  let rewritten = 0;
  for (const file of modules(outDir)) {
    const text = readFileSync(file, "utf8");
    let next = text;
    for (const name of BUNDLED) {
      let target = relative(dirname(file), join(outDir, VENDOR, `${name}.js`)).split(sep).join("/");
      if (!target.startsWith(".")) target = `./${target}`;
      // Static imports and re-exports (`from "kysely"`) and dynamic ones (`import("kysely")`).
      next = next
        .replaceAll(`from "${name}"`, `from "${target}"`)
        .replaceAll(`import("${name}")`, `import("${target}")`);
    }
    if (next !== text) {
      writeFileSync(file, next);
      rewritten++;
    }
  }
  return rewritten;
}

/**
 * Builds each of THREAD_ENTRIES in `outDir` into one file, in place. Only for a build made afresh each
 * time (the test suite's build of src/): in dist/, `npm start`'s incremental tsc re-emits only the modules
 * that changed, and an entry bundled in place would keep the old copies of the others.
 */
export async function bundleThreadEntries(outDir) {
  for (const entry of THREAD_ENTRIES) {
    const file = join(outDir, entry);
    if (!existsSync(file)) continue;
    await build({
      entryPoints: [file],
      outfile: file,
      allowOverwrite: true,
      bundle: true,
      packages: "external",
      format: "esm",
      platform: "node",
      target: "node20",
      keepNames: true,
      logLevel: "warning",
      plugins: [vendorExternal(dirname(file))],
    });
  }
}

/**
 * The vendor bundles stay modules of their own, imported from the bundle's place (`from`): each import
 * was relative to the module that made it, which the bundle has taken in.
 */
const vendorExternal = (from) => ({
  name: "vendor-external",
  setup(b) {
    b.onResolve({ filter: new RegExp(`/${VENDOR}/`) }, (args) => {
      let path = relative(from, join(args.resolveDir, args.path)).split(sep).join("/");
      if (!path.startsWith(".")) path = `./${path}`;
      return { path, external: true };
    });
  },
});

/** Every `.js` module under `dir` but the vendor bundles themselves. */
function modules(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== VENDOR && name !== "web" && name !== "node_modules") out.push(...modules(path));
    } else if (name.endsWith(".js")) out.push(path);
  }
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const outDir = join(REPO, process.argv[2] ?? "dist");
  const count = await bundleDependencies(outDir);
  console.log(`bundle-deps: ${BUNDLED.join(", ")} bundled into ${relative(REPO, join(outDir, VENDOR))}/, ${count} modules point there`);
}
