import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  baselines,
  countWindows,
  errorLevelFlags,
  type FaultsDataset,
  keywordFlags,
  lineLevels,
  loadFaultsDataset,
  type Source,
  scoreFlags,
  timeWindows,
} from "../../bench/detect/faults/score.js";

const T0 = Date.UTC(2026, 10, 28, 9, 0, 0);
const s = (sec: number) => T0 + sec * 1000;

// Six lines from three services; one fault on postgresql in [10 s, 20 s]. Line 3 is a nginx line inside
// that time but from another service, so it is normal.
const rows: [number, Source, string, number][] = [
  [
    s(0),
    "postgresql",
    "2026-11-28 09:00:00.000 UTC [10] app@appdb LOG:  connection received: host=127.0.0.1",
    0,
  ],
  [s(5), "nginx-access", '127.0.0.1 - - [28/Nov/2026:09:00:05 +0000] "GET / HTTP/1.1" 200 5 "-" "c"', 0],
  [
    s(11),
    "postgresql",
    "2026-11-28 09:00:11.000 UTC [11] app@appdb FATAL:  sorry, too many clients already",
    1,
  ],
  [
    s(12),
    "nginx-error",
    "2026/11/28 09:00:12 [error] 7#7: *1 open() failed (2: No such file or directory)",
    0,
  ],
  [s(13), "postgresql", "2026-11-28 09:00:13.000 UTC [12] app@appdb ERROR:  could not extend file", 1],
  [s(13), "postgresql", "2026-11-28 09:00:13.000 UTC [12] app@appdb HINT:  Check free disk space.", 1],
  [
    s(70),
    "rabbitmq",
    "2026-11-28 09:01:10.000000+00:00 [warning] <0.1.0> memory resource limit alarm set",
    0,
  ],
  [s(71), "rabbitmq", "2026-11-28 09:01:11.000000+00:00 [info] <0.1.0> PANIC is only a word here", 0],
];

function dataset(): FaultsDataset {
  return {
    lines: rows.map((r) => r[2]),
    labels: rows.map((r) => r[3]),
    times: rows.map((r) => r[0]),
    sources: rows.map((r) => r[1]),
    faults: [{ id: "f1", kind: "pg_max_connections", service: "postgresql", startMs: s(10), endMs: s(20) }],
  };
}

describe("fault dataset scorer", () => {
  it("windows by count and by time anchored at each window's first line", () => {
    expect(countWindows(45, 20)).toEqual([
      [0, 20],
      [20, 40],
      [40, 45],
    ]);
    expect(timeWindows([s(0), s(5), s(11), s(12), s(13), s(13), s(70), s(71)], 10)).toEqual([
      [0, 2],
      [2, 6],
      [6, 8],
    ]);
  });

  it("scores lines, count windows and time windows", () => {
    const ds = dataset();
    const r = scoreFlags(ds, [2, 3, 7]);
    expect(r.line).toMatchObject({ tp: 1, fp: 2, fn: 2, tn: 3 });
    expect(r.line.precision).toBeCloseTo(1 / 3);
    expect(r.line.recall).toBeCloseTo(1 / 3);
    // one count20 window holding everything: anomalous and flagged
    expect(r.count20).toMatchObject({ tp: 1, fp: 0, fn: 0, tn: 0, windows: 1, anomalous: 1 });
    // 60 s windows: [0..5] (lines 0-5, holds alerts, flagged) and [6..7] (normal, flagged)
    expect(r.time60s).toMatchObject({ tp: 1, fp: 1, fn: 0, tn: 0, windows: 2, anomalous: 1, precision: 0.5 });
    expect(r.faultsHit).toBe(1);
    expect(scoreFlags(ds, [])).toMatchObject({
      flagged: 0,
      faultsHit: 0,
      line: { precision: 0, recall: 0, f1: 0 },
    });
  });

  it("parses levels from each native format and computes both baselines", () => {
    const ds = dataset();
    expect(lineLevels(ds.lines, ds.sources)).toEqual([
      "info",
      null,
      "critical",
      "error",
      "error",
      "error", // HINT takes the level of the ERROR it belongs to
      "warning",
      "info",
    ]);
    expect(keywordFlags(ds.lines)).toEqual([2, 7]);
    expect(errorLevelFlags(ds.lines, ds.sources)).toEqual([2, 3, 4, 5]);
    const b = baselines(ds);
    expect(b.keyword.line).toMatchObject({ tp: 1, fp: 1, fn: 2 });
    expect(b.errorLevel.line).toMatchObject({ tp: 3, fp: 1, fn: 0 });
    expect(b.errorLevel.line.f1).toBeCloseTo((2 * 0.75 * 1) / 1.75);
  });

  it("loads a dataset directory", () => {
    const dir = mkdtempSync(join(tmpdir(), "faults-score-"));
    try {
      const ds = dataset();
      writeFileSync(join(dir, "faults.log"), `${ds.lines.join("\n")}\n`);
      writeFileSync(join(dir, "faults.labels"), `${ds.labels.join("\n")}\n`);
      writeFileSync(
        join(dir, "faults.lines.tsv"),
        ds.times.map((t, i) => `${t}\t${ds.sources[i]}\n`).join(""),
      );
      writeFileSync(join(dir, "labels.json"), JSON.stringify({ faults: ds.faults }));
      expect(loadFaultsDataset(dir)).toEqual(ds);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
