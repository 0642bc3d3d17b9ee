#!/usr/bin/env node
// `npm test`: the whole suite in three phases, so that tests which only wait on processes and sockets run
// beside the ones that keep both cores busy, and tests that measure time or restart shared servers run
// with nothing else beside them.
//
//   1. the unit suite (vitest, 3 files at a time)  beside  the side lane: reliability and cluster files
//      that neither time the server nor touch shared servers, one at a time (they mostly wait: about half
//      a core over some 230 s);
//   2. alone, one at a time: the crash harnesses and the overload test (they judge throughput and
//      seal counts, and failed when run two at a time), and the two cluster tests that stop and start
//      RabbitMQ and PostgreSQL under everything else's feet;
//   3. the 3-minute soak, which drives the server at half the capacity it measures first and so leaves
//      about a core idle: `--beside-soak "<command>"` runs a command in that core (CI runs the other Node
//      majors' tests there).
//
// Every phase runs even when an earlier one failed (a CI run costs 20 minutes: it should report all it
// can); the exit code is 1 when anything failed. Output of commands run beside another is kept in a file
// and printed when they end, so the logs do not interleave.
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Reliability and cluster files that must run alone (phase 2): they time the server or restart servers. */
const ALONE = [
  "test/reliability/crash-durability.sqlite.test.ts",
  "test/reliability/crash-durability.postgres.test.ts",
  "test/reliability/crash-durability.segments.test.ts",
  "test/reliability/overload.test.ts",
  "test/cluster/cluster-dependency-restart.test.ts",
  "test/cluster/triage-broker-restart.test.ts",
];
const SOAK = "test/reliability/soak.test.ts";
const LANES = ["test/reliability", "test/cluster"];

const args = process.argv.slice(2);
const besideAt = args.indexOf("--beside-soak");
const besideSoak = besideAt >= 0 ? args[besideAt + 1] : undefined;
if (besideAt >= 0 && !besideSoak) {
  console.error('usage: npm test [-- --beside-soak "<shell command>"]');
  process.exit(2);
}

const started = Date.now();
const secs = () => `${Math.round((Date.now() - started) / 1000)}s`;
const logs = mkdtempSync(join(tmpdir(), "logwarden-tests-"));
const children = new Set();
const results = [];

/** Runs a command; its output goes to this process's, or to a file printed when it ends. */
function run(name, command, commandArgs, { quiet = false } = {}) {
  const file = join(logs, `${results.length}-${name.replace(/\W+/g, "-")}.log`);
  const out = quiet ? openSync(file, "w") : "inherit";
  const began = Date.now();
  console.log(`== ${name} (at ${secs()})${quiet ? ": output follows when it ends" : ""}`);
  const child = spawn(command, commandArgs, { stdio: ["ignore", out, out], env: process.env });
  children.add(child);
  return new Promise((resolve) => {
    child.on("error", (error) => finish(1, String(error)));
    child.on("exit", (code, signal) => finish(code ?? (signal ? 1 : 0)));
    function finish(code, note = "") {
      children.delete(child);
      const took = Math.round((Date.now() - began) / 1000);
      if (quiet) {
        console.log(`== ${name}: its output`);
        process.stdout.write(readFileSync(file, "utf8"));
      }
      console.log(`== ${name}: ${code === 0 ? "passed" : `FAILED (exit ${code})`} in ${took}s ${note}`);
      results.push({ name, code, took });
      resolve(code);
    }
  });
}

const vitest = (...vitestArgs) => ["npx", ["vitest", "run", ...vitestArgs]];

for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    process.exit(130);
  });

try {
  const lanesGlobs = LANES.map((dir) => `${dir}/**`);
  await Promise.all([
    run("unit suite", ...vitest(...lanesGlobs.flatMap((g) => ["--exclude", g]))),
    run(
      "side lane (reliability and cluster files that only wait)",
      ...vitest(...LANES, "--maxWorkers=1", ...[...ALONE, SOAK].flatMap((f) => ["--exclude", f])),
      { quiet: true },
    ),
  ]);
  await run("alone (crash, overload, dependency restarts)", ...vitest(...ALONE, "--maxWorkers=1"));
  await Promise.all([
    run("soak", ...vitest(SOAK)),
    besideSoak ? run("beside the soak", "bash", ["-c", besideSoak], { quiet: true }) : null,
  ]);
} finally {
  rmSync(logs, { recursive: true, force: true });
}

const failed = results.filter((r) => r.code !== 0);
console.log(
  `== tests: ${results.map((r) => `${r.name} ${r.code === 0 ? "passed" : "FAILED"} in ${r.took}s`).join("; ")}; ${secs()} in all`,
);
process.exit(failed.length > 0 ? 1 : 0);
