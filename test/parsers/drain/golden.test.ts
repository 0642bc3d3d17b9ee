import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DIGESTS_FILE, goldenDigests } from "../../../bench/parse-golden.js";
import { needSharedDatasets } from "../../helpers/shared-datasets.js";

/**
 * Template mining must give byte-identical results: the digests of every line's template id, text,
 * parameters and header, and of the saved state, for the inputs of `bench:parse` (see
 * bench/parse-golden.ts: its repeated corpora cut to five rounds, past which every round repeats one
 * steady state). A deliberate change of the miner's output re-records them with
 * `npx tsx bench/parse-golden.ts --write`, and says why in its commit.
 */
const groundTruth = needSharedDatasets("mining golden check", "loghub-2k");

describe("mining golden check", () => {
  it.skipIf(groundTruth.skip)(
    "LogHub-2k datasets and the bench:parse corpora mine to the recorded digests",
    () => {
      groundTruth.assertPresent();
      const recorded = JSON.parse(readFileSync(DIGESTS_FILE, "utf8")) as unknown;
      expect(goldenDigests()).toEqual(recorded);
    },
    300_000,
  );
});
