#!/usr/bin/env node
// `npm start`'s build: rebuilds only what changed since the last build, so a second start takes
// seconds instead of a full tsc and Vite build. `npm run build` stays the full, clean build.
//  - server: tsc --incremental (its .tsbuildinfo under dist/), skipped entirely when no file under src/
//    nor a tsconfig, package.json or the lockfile is newer than the stamp the last successful run left;
//    then kysely bundled and pointed at (scripts/bundle-deps.mjs), as `npm run build` does;
//  - dashboard: vite build, skipped when dist/web is newer than every file under web/ (the check
//    test/web/build.ts makes before browser tests).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const STAMP = join(REPO, "dist/.server-build-stamp");
const TS_BUILD_INFO = join(REPO, "dist/.tsbuildinfo");
const WEB_INDEX = join(REPO, "dist/web/index.html");

/** Newest mtime of a file or of anything under a folder (folders count: a deleted file changes one). */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let t = stat.mtimeMs;
  for (const entry of readdirSync(path)) t = Math.max(t, newest(join(path, entry)));
  return t;
}

const mtime = (path) => (existsSync(path) ? statSync(path).mtimeMs : -1);
const bin = (name) => join(REPO, "node_modules/.bin", name);
const run = (cmd, args, env = process.env) => execFileSync(cmd, args, { cwd: REPO, stdio: "inherit", env });

// The lockfile too: a new kysely changes its bundle (scripts/bundle-deps.mjs).
const serverInputs = ["src", "tsconfig.json", "tsconfig.build.json", "package.json", "package-lock.json"].map(
  (p) => join(REPO, p),
);
if (Math.max(...serverInputs.map(newest)) >= mtime(STAMP) || !existsSync(join(REPO, "dist/cli/index.js"))) {
  run(bin("tsc"), ["-p", "tsconfig.build.json", "--incremental", "--tsBuildInfoFile", TS_BUILD_INFO]);
  // tsc re-emits only what changed, with the package imports as written: they are pointed at the bundles again.
  run(process.execPath, [join(REPO, "scripts/bundle-deps.mjs"), "dist"]);
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
}

// The lockfile too: a new React or Vite version changes the bundle without a change under web/.
if (mtime(WEB_INDEX) < Math.max(newest(join(REPO, "web")), mtime(join(REPO, "package-lock.json")))) {
  // NODE_ENV from the caller (e.g. test) would make Vite bundle React's development build.
  run(bin("vite"), ["build", "--config", "web/vite.config.ts"], { ...process.env, NODE_ENV: "production" });
}
