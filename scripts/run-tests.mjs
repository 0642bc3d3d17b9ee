#!/usr/bin/env node
// `npm test`: the whole suite in three phases, so that tests which only wait on processes and sockets run
// beside the ones that keep both cores busy, and tests that measure time or restart shared servers run
// with nothing else beside them.
//
//   1. the unit suite (vitest, 3 files at a time)  beside  the side lane: the reliability files that
//      neither time the server nor run several servers, one at a time (auth matrices, hostile input,
//      syslog abuse, SIGTERM: they mostly wait, about half a core over some two minutes);
//   2. alone, one at a time: the crash harnesses and the overload test (they judge throughput and seal
//      counts, and failed when run two at a time), and test/cluster (several servers each, with lease and
//      take-over deadlines; two of them stop and start RabbitMQ and PostgreSQL under everything else's
//      feet; the partition take-over timed out beside the unit suite on a loaded machine);
//   3. the 3-minute soak, which drives the server at half the capacity it measures first and so leaves
//      about a core idle: `--beside-soak "<command>"` runs a command in that core (CI runs the other Node
//      majors' tests there, at nice 19 so the soak's server keeps the CPU it measured). Tried before at the
//      same priority, one run in two failed: the soak measured its capacity under the legs' full load
//      (2,944 lines/s against about 12,800 alone in a later try), and the judge saw RSS still growing. The
//      judge now counts the heap at its live size (bench/soak/run.ts, `residentLiveBytes`).
//
// Every phase runs even when an earlier one failed (a CI run costs 20 minutes: it should report all it
// can); the exit code is 1 when anything failed. Output of commands run beside another is kept in a file
// and printed when they end, so the logs do not interleave. A CI log shows only its last lines, and a phase
// prints its failures far above them: so each vitest phase also reports its failures to a file
// (scripts/failed-tests-reporter.mjs), and the last lines name every failed test with the start of its
// error (`failureDigest`). Before them it says what skipped and why (`skipDigest`): the groups of tests that
// need what this machine lacks (../shared/datasets beside the clone, PostgreSQL, RabbitMQ, Chromium), from
// the `[skip] <group>: <reason>` line each such test file prints (test/helpers/skips.ts); in CI they fail
// instead.
import { spawn } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";

/** Reliability files that run alone (phase 2), with test/cluster: they time the server against itself. */
const TIMED = [
  "test/reliability/crash-durability.sqlite.test.ts",
  "test/reliability/crash-durability.postgres.test.ts",
  "test/reliability/crash-durability.segments.test.ts",
  "test/reliability/overload.test.ts",
];
const CLUSTER = "test/cluster";
const RELIABILITY = "test/reliability";
const SOAK = `${RELIABILITY}/soak.test.ts`;
/** How long the command beside the soak runs before the soak starts (see phase 3). */
const HEAD_START_MS = 20_000;

const args = process.argv.slice(2);
const besideAt = args.indexOf("--beside-soak");
const besideSoak = besideAt >= 0 ? args[besideAt + 1] : undefined;
/** `--dry-run`: prints each phase's commands instead of running them. */
const dryRun = args.includes("--dry-run");
const known = new Set(["--beside-soak", besideSoak, "--dry-run"]);
if ((besideAt >= 0 && !besideSoak) || args.some((a) => !known.has(a))) {
  console.error('usage: npm test [-- [--dry-run] [--beside-soak "<shell command>"]]');
  process.exit(2);
}

const started = Date.now();
const secs = () => `${Math.round((Date.now() - started) / 1000)}s`;
const logs = mkdtempSync(join(tmpdir(), "logwarden-tests-"));
const children = new Set();
const results = [];

/** Runs a command; its output goes to this process's, or to a file printed when it ends. */
function run(name, command, commandArgs, { quiet = false, env = {} } = {}) {
  if (dryRun) {
    console.log(`== ${name}: ${[command, ...commandArgs].map((a) => JSON.stringify(a)).join(" ")}`);
    return Promise.resolve(0);
  }
  const file = join(logs, `${results.length}-${name.replace(/\W+/g, "-")}.log`);
  const out = quiet ? openSync(file, "w") : "inherit";
  const began = Date.now();
  console.log(`== ${name} (at ${secs()})${quiet ? ": output follows when it ends" : ""}`);
  // A phase printed in place passes its error output through and keeps its end: a vitest that exits 1
  // with no failed test on record (a hook's timeout at close, a worker that died) says why there.
  const child = spawn(command, commandArgs, {
    stdio: ["ignore", out, quiet ? out : "pipe"],
    env: { ...process.env, ...env },
  });
  let errorTail = "";
  child.stderr?.on("data", (chunk) => {
    process.stderr.write(chunk);
    errorTail = (errorTail + chunk).slice(-8000);
  });
  children.add(child);
  return new Promise((resolve) => {
    child.on("error", (error) => finish(1, String(error)));
    child.on("exit", (code, signal) => finish(code ?? (signal ? 1 : 0)));
    function finish(code, note = "") {
      children.delete(child);
      const took = Math.round((Date.now() - began) / 1000);
      if (quiet) {
        const output = readFileSync(file, "utf8");
        console.log(`== ${name}: its output`);
        process.stdout.write(output);
        errorTail = output.slice(-8000);
      }
      console.log(`== ${name}: ${code === 0 ? "passed" : `FAILED (exit ${code})`} in ${took}s ${note}`);
      results.push({ name, code, took, errorTail });
      resolve(code);
    }
  });
}

/** A phase that runs vitest, whose failed tests `failureDigest` reads (scripts/failed-tests-reporter.mjs). */
function runVitest(name, vitestArgs, options = {}) {
  const reporters = ["--reporter=default", "--reporter=./scripts/failed-tests-reporter.mjs"];
  return run(name, "npx", ["vitest", "run", ...vitestArgs, ...reporters], {
    ...options,
    env: { LOGWARDEN_FAILED_TESTS_FILE: reportFile(name) },
  });
}
const reportFile = (name) => join(logs, `${name.replace(/\W+/g, "-")}.failed.json`);

/**
 * The failed tests of the phases that failed, each with the start of its errors (message, then the
 * assertion's diff: vitest's and Node's stack frames say nothing about the failure), and the errors no
 * test owned. A CI log keeps only its end, and a phase prints its failures far above it.
 */
function failureDigest(failedPhases) {
  const lines = [];
  for (const { name, code, errorTail } of failedPhases) {
    let report;
    try {
      report = JSON.parse(readFileSync(reportFile(name), "utf8"));
    } catch {
      lines.push(`== ${name}: no report of its tests (not vitest, or it stopped before the end): see its output above`);
      continue;
    }
    const { failed, unhandled } = report;
    lines.push(`== ${name}: ${failed.length} failed test(s), ${unhandled.length} error(s) outside any test`);
    if (failed.length === 0 && unhandled.length === 0) {
      lines.push(`  exit ${code} with nothing on record; the last lines of its error output:`);
      const tail = stripAnsi(errorTail ?? "")
        .split("\n")
        .filter((l) => l.trim());
      lines.push(...tail.slice(-15).map((l) => `    ${l.slice(0, 300)}`));
    }
    for (const { where, node, title, errors } of failed) {
      lines.push(`  FAILED ${where} > ${title}${onOtherNode(node)}`);
      for (const error of errors.slice(0, 2)) lines.push(...errorLines(error));
    }
    for (const error of unhandled.slice(0, 3)) {
      lines.push(`  UNHANDLED${onOtherNode(error.node)}`);
      lines.push(...errorLines(error));
    }
  }
  return lines;
}

/**
 * What skipped in all phases, group by group: how many test files, which (the first few), and why (the
 * reasons their `[skip]` lines give); then the files that had tests skipped without printing one.
 */
function skipDigest(phases) {
  const groups = new Map();
  const explained = new Set();
  const silent = new Map();
  for (const { name } of phases) {
    let report;
    try {
      report = JSON.parse(readFileSync(reportFile(name), "utf8"));
    } catch {
      continue;
    }
    for (const { where, line } of report.skipLines ?? []) {
      const text = line.slice("[skip] ".length);
      const cut = text.indexOf(": ");
      const group = cut > 0 ? text.slice(0, cut) : text;
      const reason = cut > 0 ? text.slice(cut + 2) : "";
      let g = groups.get(group);
      if (!g) groups.set(group, (g = { files: new Set(), reasons: new Set() }));
      g.files.add(where);
      if (reason) g.reasons.add(reason);
      explained.add(where);
    }
    for (const { where, tests } of report.skippedFiles ?? []) silent.set(where, (silent.get(where) ?? 0) + tests);
  }
  for (const where of explained) silent.delete(where);
  if (groups.size === 0 && silent.size === 0) return [];
  const lines = ["== skipped (not failures; CI has what they need, and there they run or fail):"];
  const few = (items, n, separator = ", ") => {
    const list = [...items];
    return list.slice(0, n).join(separator) + (list.length > n ? `${separator}and ${list.length - n} more` : "");
  };
  for (const [group, { files, reasons }] of [...groups].sort((a, b) => b[1].files.size - a[1].files.size)) {
    const count = `${files.size} test file${files.size === 1 ? "" : "s"}`;
    lines.push(`  ${group}: ${count} (${few([...files].sort(), 4)})`);
    if (reasons.size > 0) lines.push(`    why: ${few([...reasons].sort(), 3, "; ")}`.slice(0, 600));
  }
  if (silent.size > 0)
    lines.push(
      `  without a [skip] line (it.skip, a platform check): ${silent.size} test file(s) (${few(
        [...silent].sort().map(([where, tests]) => `${where}: ${tests}`),
        6,
      )})`,
    );
  return lines;
}

/** " (on Node vX)" when a test ran on another Node than this one's (CI's legs), else nothing. */
const onOtherNode = (node) => (node && node !== process.version ? ` (on Node ${node})` : "");

/** An error's message and diff, at most 12 lines, cut to 300 characters each. */
function errorLines({ message, diff }) {
  const text = stripAnsi(`${message}\n${diff ?? ""}`)
    .split("\n")
    .filter((l) => l.trim());
  return text.slice(0, 12).map((l) => `    ${l.slice(0, 300)}`);
}
const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*m/g, "");

for (const signal of ["SIGINT", "SIGTERM"])
  process.on(signal, () => {
    for (const child of children) child.kill(signal);
    process.exit(130);
  });

try {
  await Promise.all([
    runVitest("unit suite", ["--exclude", `${RELIABILITY}/**`, "--exclude", `${CLUSTER}/**`]),
    runVitest(
      "side lane (reliability files that only wait)",
      [RELIABILITY, "--maxWorkers=1", ...[...TIMED, SOAK].flatMap((f) => ["--exclude", f])],
      { quiet: true },
    ),
  ]);
  await runVitest("alone (crash harnesses, overload, cluster)", [...TIMED, CLUSTER, "--maxWorkers=1"]);
  // The command beside the soak starts first: the soak sets its rate at half the capacity it measures in
  // its first seconds, so it measures with that command's load already there, not before it.
  // It gets a report file too: CI's legs run vitest with the digest's reporter when one is named
  // (.ci/node-leg.sh), so their failures reach the log's last lines, not only its output far above them.
  const besideName = "beside the soak";
  const beside = besideSoak
    ? run(besideName, "bash", ["-c", besideSoak], {
        quiet: true,
        env: { LOGWARDEN_FAILED_TESTS_FILE: reportFile(besideName) },
      })
    : null;
  if (beside && !dryRun) await Promise.race([beside, delay(HEAD_START_MS)]);
  await Promise.all([runVitest("soak", [SOAK]), beside]);
} finally {
  if (!dryRun) {
    for (const line of skipDigest(results)) console.log(line);
    for (const line of failureDigest(results.filter((r) => r.code !== 0))) console.log(line);
  }
  rmSync(logs, { recursive: true, force: true });
}

if (dryRun) process.exit(0);
const failed = results.filter((r) => r.code !== 0);
console.log(
  `== tests: ${results.map((r) => `${r.name} ${r.code === 0 ? "passed" : `FAILED (exit ${r.code})`} in ${r.took}s`).join("; ")}; ${secs()} in all`,
);
process.exit(failed.length > 0 ? 1 : 0);
