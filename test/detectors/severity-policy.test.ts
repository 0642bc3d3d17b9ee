import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configSchema } from "../../src/config/schema.js";
import { severityFromScore } from "../../src/core/severity.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { analyzeLines } from "../../src/service/analyze.js";
import { LOGHUB_DIR } from "../helpers/loghub.js";

describe("one severity policy", () => {
  it("maps every finding's score to its severity the same way, whichever detector raised it", async () => {
    // LogHub's Linux and OpenSSH logs: brute force, password spraying, volume, templates.
    const lines = ["Linux/Linux_2k.log", "OpenSSH/OpenSSH_2k.log"].flatMap((f) =>
      readFileSync(join(LOGHUB_DIR, f), "utf8").split("\n").filter(Boolean),
    );
    const { anomalies } = await analyzeLines(lines, createProcessor(configSchema.parse({})));
    const detectors = new Set(anomalies.map((a) => a.detector));
    expect(detectors).toContain("password_spraying");
    for (const a of anomalies)
      expect({ detector: a.detector, severity: a.severity }).toEqual({
        detector: a.detector,
        severity: severityFromScore(a.score),
      });
  });
});
