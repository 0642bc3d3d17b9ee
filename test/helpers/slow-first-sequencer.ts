import { relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The suite's longest files, longest first (seconds in a full `npm test` run on the 2-core CI machine,
 * 2026-11-26). Vitest runs the files it has timings for longest first, but a fresh clone (every CI run)
 * has none, and it then runs larger files first: the mining golden check, a 1 KB file that mines four
 * million lines for over a minute, started among the last and ran alone while the other workers idled. A
 * stale entry only costs ordering; a file missing here runs where vitest puts it.
 */
export const SLOW_FILES = [
  "test/parsers/drain/golden.test.ts", // 79
  "test/conformance/log-store.test.ts", // 41
  "test/service/sink-queue.test.ts", // 35
  "test/store/segments/segment-seal.test.ts", // 35
  "test/cli/batch.test.ts", // 31
  "test/store/segments/table-conversion.test.ts", // 30
  "test/cli/serve-tail-kill.test.ts", // 28
  "test/cli/log-store-switch.test.ts", // 27
  "test/store/columnar/segment-prefilter.test.ts", // 27
  "test/api/log-search-doors.test.ts", // 26
  "test/store/migration-introspection.test.ts", // 25
  "test/web/first-hour.e2e.test.ts", // 23
  "test/web/dashboard.e2e.test.ts", // 22
  "test/store/migrate-nodes.test.ts", // 19
  "test/conformance/detector.test.ts", // 18
];

/** Vitest's order, with the known long files moved to the front (in `SLOW_FILES`' order). */
export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    const rank = (f: TestSpecification) => {
      const i = SLOW_FILES.indexOf(relative(root, f.moduleId).split("\\").join("/"));
      return i < 0 ? SLOW_FILES.length : i;
    };
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
