import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { noteSkip } from "./skips.js";

/**
 * The datasets beside the clone, `../shared/datasets` (see each one's SOURCE.md): what the repository does
 * not carry. The LogHub-2k raw samples are in the repository (test/fixtures/loghub-2k, `loghub.ts`); their
 * ground truth (`<X>_2k.log_structured.csv`), which the mining accuracy and golden checks read, is not.
 * The one place that decides whether they are there and what a test does when they are not.
 */
export const SHARED_DATASETS = fileURLToPath(new URL("../../../shared/datasets/", import.meta.url));

/** The skip lines' group, which `npm test` counts at its end. */
export const SHARED_DATASETS_GROUP = "needs ../shared/datasets";

/** `relative` (e.g. `loghub-2k/HDFS/HDFS_2k.log_structured.csv`) under ../shared/datasets. */
export function sharedDatasetPath(relative: string): string {
  return join(SHARED_DATASETS, relative);
}

/** Whether every one of `relatives` is there. */
export function sharedDatasetsAvailable(...relatives: string[]): boolean {
  return relatives.every((r) => existsSync(sharedDatasetPath(r)));
}

export interface SharedDatasetsNeed {
  /** Skip the test: the datasets are missing and this is not CI. */
  skip: boolean;
  /** Call first thing in the test: in CI a missing dataset fails it with this message. */
  assertPresent(): void;
}

/**
 * What `what` (a test, or a file's tests) does about `relatives` under ../shared/datasets: runs when they are
 * there; skips with one `[skip]` line outside CI when they are not; fails in CI (`CI` set), where they
 * must be, so a suite never passes there without them.
 *
 *     const groundTruth = needSharedDatasets("mining golden check", "loghub-2k");
 *     it.skipIf(groundTruth.skip)("…", () => { groundTruth.assertPresent(); … });
 */
export function needSharedDatasets(what: string, ...relatives: string[]): SharedDatasetsNeed {
  const missing = relatives.filter((r) => !existsSync(sharedDatasetPath(r)));
  const skip = missing.length > 0 && !process.env.CI;
  const names = missing.map((r) => `../shared/datasets/${r}`).join(", ");
  if (skip) noteSkip(SHARED_DATASETS_GROUP, `${what} (${names} not found beside the clone; CI has it)`);
  return {
    skip,
    assertPresent() {
      if (missing.length > 0)
        throw new Error(`${what} needs ${names} (${SHARED_DATASETS}) in CI, and it is missing`);
    },
  };
}
