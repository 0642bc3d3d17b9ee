import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { isoUtc } from "../../src/core/time.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { analyzeLines } from "../../src/service/analyze.js";

const T0 = Date.parse("2026-03-02T10:00:00Z");
const at = (i: number) => isoUtc(T0 + i * 1000);

describe("file_rarity (analyze judges a file against itself)", () => {
  it("finds a warning the whole file holds once, even inside the warm-up, and not one it holds often", async () => {
    const lines = Array.from(
      { length: 1200 },
      (_, i) => `${at(i)} mq-1 INFO accepted connection ${i % 97} from client ${1000 + (i % 13)}`,
    );
    // Once, in the first hundred lines (new_template is still warming up there).
    lines[60] = `${at(60)} mq-1 WARNING memory resource limit alarm set on node rabbit@mq-1`;
    // Five times: not rare in this file.
    for (const i of [100, 400, 700, 900, 1100])
      lines[i] = `${at(i)} mq-1 WARNING client unexpectedly closed TCP connection ${i}`;
    const report = await analyzeLines(lines, createProcessor(loadConfig({ env: {} })), {
      defaultService: "rabbitmq",
    });
    const rare = report.anomalies.filter((a) => a.detector === "file_rarity");
    expect(rare).toHaveLength(1);
    expect(rare[0]!.evidence).toEqual([61]);
    expect(rare[0]!.severity).toBe("medium");
    expect(rare[0]!.description).toContain("logged once in 1200 lines");
    expect(report.detectors.find((d) => d.name === "file_rarity")?.phase).toBe("active");
  });

  it("says nothing of a short file, where every message is rare", async () => {
    const lines = Array.from({ length: 100 }, (_, i) => `${at(i)} mq-1 INFO accepted connection ${i}`);
    lines[50] = `${at(50)} mq-1 WARNING memory resource limit alarm set`;
    const report = await analyzeLines(lines, createProcessor(loadConfig({ env: {} })), {
      defaultService: "rabbitmq",
    });
    expect(report.anomalies.filter((a) => a.detector === "file_rarity")).toEqual([]);
  });
});
