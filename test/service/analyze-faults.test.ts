import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../bench/lib/random.js";
import { loadConfig } from "../../src/config/load.js";
import { isoUtc } from "../../src/core/time.js";
import { createProcessor } from "../../src/pipeline/create-processor.js";
import { analyzeLines } from "../../src/service/analyze.js";

/**
 * A new user's first upload: 2,000 lines of a small cluster's log the product has never seen, three faults
 * somewhere inside it. Every one must come out as a finding citing its lines, with default settings and
 * no history (the warm-ups of the template detectors cover most of the file).
 */
const T0 = Date.parse("2026-03-02T10:00:00Z");

function normalLine(i: number, rand: () => number): string {
  const host = `cn-${1 + Math.floor(rand() * 12)}`;
  const job = 1000 + Math.floor(rand() * 9000);
  const shapes = [
    `INFO scheduler job ${job} started on ${host} with ${1 + Math.floor(rand() * 64)} cores`,
    `INFO scheduler job ${job} finished in ${Math.floor(rand() * 900)} s exit 0`,
    `INFO storage wrote ${Math.floor(rand() * 5000)} blocks for job ${job}`,
    `WARN network link ${host}-eth${Math.floor(rand() * 2)} retransmits ${Math.floor(rand() * 40)} packets`,
    `INFO heartbeat from ${host} load ${(rand() * 4).toFixed(2)}`,
  ];
  return `${isoUtc(T0 + i * 1000)} ${host} ${shapes[Math.floor(rand() * shapes.length)]}`;
}

describe("analyze: a 2,000-line upload with three injected faults", () => {
  it("yields a finding for each fault, citing its lines", async () => {
    const rand = mulberry32(52);
    const lines = Array.from({ length: 2000 }, (_, i) => normalLine(i, rand));
    const at = (i: number) => isoUtc(T0 + i * 1000);
    // 1. A node dies: six FATAL lines from cn-17 within a minute, in the new_template warm-up.
    const crash = [400, 405, 410, 415, 420, 425];
    const crashText = [
      "kernel panic: out of memory, killing process 4121",
      "kernel machine check exception on cpu 3",
    ];
    for (const [k, i] of crash.entries()) lines[i] = `${at(i)} cn-17 FATAL ${crashText[k % 2]}`;
    // 2. One CRITICAL line from the storage node: a degraded array.
    const raid = 1200;
    lines[raid] = `${at(raid)} st-2 CRITICAL storage RAID array md0 degraded, disk sdb removed`;
    // 3. A burst of errors: thirty upstream timeouts within a minute.
    const timeouts = Array.from({ length: 30 }, (_, k) => 1600 + k);
    for (const i of timeouts)
      lines[i] =
        `${at(i)} gw-1 ERROR proxy upstream timed out connecting to 10.0.0.5:8080 after ${3000 + i} ms`;

    const report = await analyzeLines(lines, createProcessor(loadConfig({ env: {} })), {
      defaultService: "cluster",
    });
    const citing = (ids: number[]) =>
      report.anomalies.filter((a) => ids.some((i) => a.evidence.includes(i + 1)));

    const crashFindings = citing(crash);
    expect(crashFindings.map((a) => a.detector)).toEqual(["severe_events"]);
    expect(crashFindings[0]!.features.host).toBe("cn-17");
    expect(crashFindings[0]!.evidence).toEqual(crash.map((i) => i + 1));
    expect(["high", "critical"]).toContain(crashFindings[0]!.severity);

    const raidFindings = citing([raid]);
    expect(raidFindings.map((a) => a.detector)).toContain("severe_events");
    expect(raidFindings[0]!.description).toContain("st-2");

    const timeoutFindings = citing(timeouts);
    expect(timeoutFindings.map((a) => a.detector)).toContain("error_burst");
  });
});
