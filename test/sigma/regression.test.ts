import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../src/core/json.js";
import type { ParsedRecord } from "../../src/core/log-record.js";
import { SigmaDetector } from "../../src/detectors/sigma/detector.js";
import { decodeLine } from "../../src/parsers/decoders/index.js";
import { SigmaEngine } from "../../src/sigma/engine.js";
import { splitJsonValues } from "../../src/sigma/json-events.js";
import { loadRules } from "../../src/sigma/load-rules.js";
import { needSharedDatasets, sharedDatasetPath } from "../helpers/shared-datasets.js";
import { regressionCases, ruleFilesWithIds } from "./regression-data.js";
import { MAPPINGS } from "./sigma-fixtures.js";

const need = needSharedDatasets("Sigma regression cases", "sigma/regression_data", "sigma/rules");

describe("SigmaHQ regression cases", () => {
  it.skipIf(need.skip)("every case's events match its rule", () => {
    need.assertPresent();
    const cases = regressionCases(sharedDatasetPath("sigma/regression_data/rules"));
    expect(cases.length).toBeGreaterThanOrEqual(90);
    // Only the rules the cases name: the whole rule set takes seconds to load (bench:sigma does that).
    const ids = new Set(cases.map((c) => c.ruleId));
    const loaded = loadRules(ruleFilesWithIds(sharedDatasetPath("sigma/rules"), ids));
    expect(loaded.refused).toEqual([]);
    expect(loaded.detections.length).toBe(ids.size);
    const engine = new SigmaEngine(loaded, MAPPINGS);
    const failures: string[] = [];
    for (const c of cases) {
      for (const t of c.tests) {
        const events = splitJsonValues(readFileSync(t.file, "utf8")) as JsonObject[];
        let hits = 0;
        for (const attributes of events) {
          const ev = engine.evaluate({
            timestamp: "2026-01-01T00:00:00Z",
            body: "",
            attributes,
            resource: {},
          });
          if (ev?.matches.some((m) => m.rule.id === c.ruleId)) hits++;
        }
        // `match_count` counts events of the original evtx; at least one event of the file must match.
        // (file_event_win_cred_dump_tools_dropped_files says 1 but three of its six events name procdump.)
        if (hits === 0) failures.push(`${c.dir}: no event matched ${c.ruleId}`);
      }
    }
    expect(failures).toEqual([]);

    // The same events as ingest hands them to the detectors (one JSON line each, decoded), through the
    // sigma detector: each case's rule is a finding on one of its events.
    const detector = new SigmaDetector(engine, { maxKeys: 1000 });
    const missed: string[] = [];
    let id = 1;
    for (const c of cases) {
      const batch: ParsedRecord[] = c.tests.flatMap((t) =>
        splitJsonValues(readFileSync(t.file, "utf8")).map((event) => {
          const record = decodeLine(JSON.stringify(event), { observedAt: "2026-01-01T00:00:00Z" });
          return {
            ...record,
            id: id++,
            stream: "windows",
            origin: "windows",
            templateId: "t",
            template: "",
            params: [],
            templateChange: "none",
          };
        }),
      );
      const findings = detector.observe(batch);
      if (!findings.some((f) => f.features.rule_id === c.ruleId)) missed.push(c.dir);
    }
    expect(missed).toEqual([]);
  });
});
