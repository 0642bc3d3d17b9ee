// A vitest reporter for `npm test`'s closing digest (scripts/run-tests.mjs, `failureDigest`): writes the
// run's failed tests, each with its errors' messages and assertion diffs, the errors of files that failed
// outside their tests (an import, a hook), and the run's unhandled errors, as JSON to the file named by
// LOGWARDEN_FAILED_TESTS_FILE. vitest's own JSON report keeps an assertion's message but not its diff, and
// no unhandled error: a server that died of one (an "error" event nobody listened to) left no failed test.
// A file already there is added to, not replaced: CI's other Node majors run vitest twice in one phase
// (.ci/legs.sh), and each entry names the Node version it failed on.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { relative } from "node:path";

export default class FailedTestsReporter {
  onTestRunEnd(testModules, unhandledErrors) {
    const file = process.env.LOGWARDEN_FAILED_TESTS_FILE;
    if (!file) return;
    const node = process.version;
    const failed = [];
    for (const module of testModules) {
      const where = relative(process.cwd(), module.moduleId);
      for (const test of module.children.allTests()) {
        const result = test.result();
        if (result.state === "failed") failed.push({ where, node, title: test.fullName, errors: result.errors.map(summary) });
      }
      const own = module.errors();
      if (own.length > 0) failed.push({ where, node, title: "(the file itself)", errors: own.map(summary) });
    }
    const unhandled = unhandledErrors.map((error) => ({ node, ...summary(error) }));
    const earlier = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : { failed: [], unhandled: [] };
    writeFileSync(file, JSON.stringify({ failed: [...earlier.failed, ...failed], unhandled: [...earlier.unhandled, ...unhandled] }));
  }
}

function summary(error) {
  return { message: String(error?.message ?? error), diff: error?.diff ?? null, stack: error?.stack ?? null };
}
