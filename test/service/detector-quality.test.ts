import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import { DAY_MS, HOUR_MS, isoUtc } from "../../src/core/time.js";
import { SuppressionList } from "../../src/pipeline/suppressions.js";
import {
  detectorQuality,
  detectorQualityJson,
  findingPrecision,
  precisionSentence,
} from "../../src/service/detector-quality.js";
import { detectorPrecision, recordVerdict } from "../../src/service/verdicts.js";
import { finding, storeFindings } from "../helpers/stored-findings.js";
import { DIALECTS, postgresAvailable } from "../helpers/stores.js";

const hasPostgres = await postgresAvailable();
const NOW = Date.parse("2026-03-31T12:00:00.000Z");
const ago = (ms: number) => isoUtc(NOW - ms);

describe.each(DIALECTS)("detector precision over the last 30 days ($name)", ({ open, needsPostgres }) => {
  it.skipIf(needsPostgres && !hasPostgres)(
    "counts each finding's latest verdict given in the window, exactly",
    async () => {
      const { store, cleanup } = await open();
      try {
        const clock = new FakeClock(NOW);
        const deps = {
          store,
          clock,
          pipeline: { suppressions: new SuppressionList() },
          config: { verdicts: { suppressionTtlDays: 30 } },
        };
        const brute = (key: string, at: string) =>
          finding(key, { detector: "brute_force", type: "brute_force", timestamp: at });
        const burst = (key: string, at: string) => finding(key, { timestamp: at });
        const [a1, a2, a3, a4, a5, e1, e2, e3, n1] = await storeFindings(store.db, [
          brute("ip:a1", ago(DAY_MS)),
          brute("ip:a2", ago(2 * DAY_MS)),
          brute("ip:a3", ago(3 * DAY_MS)),
          // Raised before the window, judged inside it: a verdict, but no finding of the window.
          brute("ip:a4", ago(40 * DAY_MS)),
          brute("ip:a5", ago(5 * DAY_MS)),
          burst("svc:e1", ago(DAY_MS)),
          burst("svc:e2", ago(35 * DAY_MS)),
          // Exactly 30 days old: the window's bounds are inclusive.
          burst("svc:e3", ago(30 * DAY_MS)),
          finding("tpl:n1", { detector: "new_template", type: "new_template", timestamp: ago(10 * DAY_MS) }),
        ]);
        // A repeat of a1 merges into it: still one finding.
        const [again] = await storeFindings(store.db, [brute("ip:a1", ago(DAY_MS - 10 * 60_000))]);
        expect(again?.id).toBe(a1?.id);

        const judge = async (
          at: number,
          id: number | undefined,
          verdict: "true_positive" | "false_positive",
        ) => {
          clock.set(at);
          await recordVerdict(deps, { anomalyId: id ?? 0, verdict, actor: "ops" });
        };
        // a1 judged twice: only its latest verdict (true) counts.
        await judge(NOW - 3 * DAY_MS, a1?.id, "false_positive");
        await judge(NOW - DAY_MS, a1?.id, "true_positive");
        await judge(NOW - 2 * DAY_MS, a2?.id, "true_positive");
        await judge(NOW - DAY_MS, a3?.id, "false_positive");
        // a4: false long ago, true inside the window: counts as true.
        await judge(NOW - 40 * DAY_MS, a4?.id, "false_positive");
        await judge(NOW - 2 * DAY_MS, a4?.id, "true_positive");
        await judge(NOW - 4 * HOUR_MS, a5?.id, "true_positive");
        await judge(NOW - HOUR_MS, e1?.id, "true_positive");
        // Older than 30 days: does not count.
        await judge(NOW - 35 * DAY_MS, e2?.id, "false_positive");
        await judge(NOW - 30 * DAY_MS, e3?.id, "true_positive");
        expect(n1).toBeDefined();

        const report = await detectorQuality(store, NOW, { known: ["brute_force", "volume"] });
        expect(report.windowDays).toBe(30);
        expect(report.since).toBe("2026-03-01T12:00:00.000Z");
        expect(report.until).toBe("2026-03-31T12:00:00.000Z");
        expect(report.detectors).toEqual([
          {
            detector: "brute_force",
            judged: 5,
            truePositives: 4,
            falsePositives: 1,
            precision: 0.8,
            findings: 4,
            findingsPerDay: 4 / 30,
          },
          {
            detector: "error_burst",
            judged: 2,
            truePositives: 2,
            falsePositives: 0,
            precision: 1,
            findings: 2,
            findingsPerDay: 2 / 30,
          },
          {
            detector: "new_template",
            judged: 0,
            truePositives: 0,
            falsePositives: 0,
            precision: null,
            findings: 1,
            findingsPerDay: 1 / 30,
          },
          // Named by the running pipeline, nothing in the window.
          {
            detector: "volume",
            judged: 0,
            truePositives: 0,
            falsePositives: 0,
            precision: null,
            findings: 0,
            findingsPerDay: 0,
          },
        ]);
        // All time (GET /stats `detector_precision`, /metrics) e2's old false positive still counts.
        expect(await detectorPrecision(store)).toContainEqual({
          detector: "error_burst",
          truePositives: 2,
          falsePositives: 1,
          precision: 2 / 3,
        });

        const json = detectorQualityJson(report);
        expect(json.detectors[0]).toEqual({
          detector: "brute_force",
          findings: 4,
          findings_per_day: 0.13,
          judged: 5,
          true_positives: 4,
          false_positives: 1,
          precision: 0.8,
          text: "brute_force: 4 of 5 judged findings in the last 30 days were true positives; 0.13 findings a day",
        });

        expect(await findingPrecision(store, "brute_force", NOW)).toEqual({
          detector: "brute_force",
          window_days: 30,
          judged: 5,
          true_positives: 4,
          false_positives: 1,
          precision: 0.8,
          text: "this detector: 4 of 5 judged findings in the last 30 days were true positives",
        });
        expect((await findingPrecision(store, "new_template", NOW)).text).toBe(
          "this detector: no verdicts in the last 30 days yet",
        );
        // A month on, every verdict has left the window.
        expect(await findingPrecision(store, "brute_force", NOW + 31 * DAY_MS)).toMatchObject({
          judged: 0,
          precision: null,
          text: "this detector: no verdicts in the last 30 days yet",
        });
      } finally {
        await cleanup();
      }
    },
  );
});

describe("precisionSentence", () => {
  it("says one judged finding in the singular", () => {
    expect(precisionSentence({ judged: 1, truePositives: 0 })).toBe(
      "this detector: 0 of 1 judged finding in the last 30 days was a true positive",
    );
    expect(precisionSentence({ judged: 30, truePositives: 27 })).toBe(
      "this detector: 27 of 30 judged findings in the last 30 days were true positives",
    );
  });
});
