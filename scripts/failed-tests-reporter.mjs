// A vitest reporter for `npm test`'s closing digest (scripts/run-tests.mjs, `failureDigest`, `skipDigest`):
// writes the run's failed tests, each with its errors' messages and assertion diffs, the errors of files that
// failed outside their tests (an import, a hook), and the run's unhandled errors, as JSON to the file named by
// LOGWARDEN_FAILED_TESTS_FILE. vitest's own JSON report keeps an assertion's message but not its diff, and
// no unhandled error: a server that died of one (an "error" event nobody listened to) left no failed test.
// It also writes what skipped: the `[skip] <group>: <reason>` lines test files printed (test/helpers/skips.ts),
// each with its file, and the files that had tests skipped.
// A file already there is added to, not replaced: CI's other Node majors run vitest twice in one phase
// (.ci/legs.sh), and each entry names the Node version it failed on.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";

export default class FailedTestsReporter {
  /** `[skip]` lines as printed, each with the test file that printed it. */
  skipLines = [];

  onInit(vitest) {
    this.vitest = vitest;
  }

  onUserConsoleLog(log) {
    const lines = String(log.content ?? "")
      .split("\n")
      .filter((l) => l.startsWith("[skip] "));
    if (lines.length === 0) return;
    const task = log.taskId ? this.vitest?.state?.idMap?.get(log.taskId) : undefined;
    const file = task?.file?.filepath ?? task?.filepath;
    const where = file ? relative(process.cwd(), file) : "(no test file)";
    for (const line of lines) this.skipLines.push({ where, line });
  }

  onTestRunEnd(testModules, unhandledErrors, reason) {
    const file = process.env.LOGWARDEN_FAILED_TESTS_FILE;
    if (!file) return;
    const node = process.version;
    const failed = [];
    const skippedFiles = [];
    for (const module of testModules) {
      const where = relative(process.cwd(), module.moduleId);
      let skipped = 0;
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === "failed") failed.push({ where, node, title: test.fullName, errors: result.errors.map(summary) });
        if (result.state === "skipped") skipped++;
      }
      if (skipped > 0) skippedFiles.push({ where, tests: skipped });
      const own = module.errors();
      if (own.length > 0) failed.push({ where, node, title: "(the file itself)", errors: own.map(summary) });
      // A describe block's beforeAll/afterAll that throws or times out fails the run but no test: its
      // error is the suite's (a CI run failed with no failed test and nothing unhandled on record).
      for (const suite of module.children.allSuites()) {
        const errors = suite.errors();
        if (errors.length > 0) failed.push({ where, node, title: `${suite.fullName} (its hooks)`, errors: errors.map(summary) });
      }
      if (!module.ok() && !failed.some((f) => f.where === where && f.node === node))
        failed.push({ where, node, title: `(the file, state ${module.state()}, no error on record)`, errors: [] });
    }
    const unhandled = unhandledErrors.map((error) => ({ node, ...summary(error) }));
    // A run interrupted (a bail, a signal, a worker that died) may end with every finished test passed.
    if (reason === "interrupted") unhandled.push({ node, message: "the run was interrupted before every file ran", diff: null, stack: null });
    const earlier = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : {};
    writeFileSync(
      file,
      JSON.stringify({
        failed: [...(earlier.failed ?? []), ...failed],
        unhandled: [...(earlier.unhandled ?? []), ...unhandled],
        skipLines: [...(earlier.skipLines ?? []), ...this.skipLines],
        skippedFiles: [...(earlier.skippedFiles ?? []), ...skippedFiles],
      }),
    );
  }
}

function summary(error) {
  return { message: String(error?.message ?? error), diff: error?.diff ?? null, stack: error?.stack ?? null };
}
