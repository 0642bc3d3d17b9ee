import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { FakeClock } from "../../src/core/clock.js";
import type { Detector } from "../../src/core/detector.js";
import { type LogRecord, serviceOf } from "../../src/core/log-record.js";
import { createDetectors, detectorNames } from "../../src/detectors/registry.js";
import { DrainMiner } from "../../src/parsers/drain/index.js";
import { batches, corpus, DETECTION_ENV, foreign, parsedBatches } from "../helpers/detection-corpus.js";

/**
 * A rolled-back batch must leave every stage as if it had never run. Two copies of each stage see the
 * same batches; before two batches in three one copy also takes a batch from later in the corpus (known
 * users, hosts, sessions and templates, new ones too, times ahead) and rolls it back. From then on both copies must
 * answer alike, batch after batch, and end with the same exported state.
 */
const BATCH = 40;
/** How far ahead the rolled-back batch comes from: the next one (the same open sessions and windows) or a later one. */
const AHEAD = [1, 7];
const env = DETECTION_ENV;

describe("a rolled-back batch leaves no trace", () => {
  const all = parsedBatches(corpus(), BATCH);
  const config = loadConfig({ env });
  const smallCaps = loadConfig({ env: { ...env, DETECTOR_MAX_KEYS: "8" } });

  it("builds every registered detector here (each keeps an undo log: the Detector interface requires one)", () => {
    const built = createDetectors(config, { clock: new FakeClock("2026-03-03T12:00:00Z") });
    expect(built.map((d) => d.name).sort()).toEqual(detectorNames().sort());
  });

  it.each(
    detectorNames().flatMap((name) => [
      [name, "default caps", config],
      [name, "8 keys per map (evictions)", smallCaps],
    ]),
  )("in detector %s, %s", (name, _caps, config) => {
    const make = (): [Detector, FakeClock] => {
      const clock = new FakeClock("2026-03-03T12:00:00Z");
      const d = createDetectors(config, { clock }).find((x) => x.name === name)!;
      return [d, clock];
    };
    const [a, clockA] = make();
    const [b, clockB] = make();
    let rolledBack = 0;
    for (const [i, batch] of all.entries()) {
      const ahead = AHEAD[i % 3];
      if (ahead !== undefined && i + ahead < all.length) {
        a.undo.begin();
        a.observe(foreign(all[i + ahead]!));
        a.tick?.(clockA.now());
        a.undo.rollback();
        rolledBack++;
      }
      a.undo.begin();
      const fromA = a.observe(batch);
      a.undo.commit();
      const fromB = b.observe(batch);
      expect(fromA, `batch ${i}`).toEqual(fromB);
      clockA.advance(1_000);
      clockB.advance(1_000);
      expect(a.tick?.(clockA.now()) ?? [], `tick after batch ${i}`).toEqual(b.tick?.(clockB.now()) ?? []);
      expect(a.status(), `status after batch ${i}`).toEqual(b.status());
    }
    expect(rolledBack).toBeGreaterThan(40);
    expect(a.exportState()).toEqual(b.exportState());
    expect(a.flush?.() ?? []).toEqual(b.flush?.() ?? []);
  });

  it.each([
    ["default caps", {}],
    ["a 40-template cap per stream (evictions)", { maxTemplatesPerStream: 40 }],
  ] as const)("in the template miner, %s", (_, options) => {
    const records = batches(corpus(), BATCH);
    const a = new DrainMiner(options);
    const b = new DrainMiner(options);
    const add = (m: DrainMiner, batch: readonly LogRecord[]) =>
      batch.map((r) => m.add(serviceOf(r), r.body, r.timestamp));
    let rolledBack = 0;
    for (const [i, batch] of records.entries()) {
      const ahead = AHEAD[i % 3];
      if (ahead !== undefined && i + ahead < records.length) {
        a.undo.begin();
        add(a, records[i + ahead]!);
        a.undo.rollback();
        rolledBack++;
      }
      a.undo.begin();
      const fromA = add(a, batch);
      a.undo.commit();
      expect(fromA, `batch ${i}`).toEqual(add(b, batch));
      expect(a.templates(), `templates after batch ${i}`).toEqual(b.templates());
    }
    expect(rolledBack).toBeGreaterThan(40);
    expect(a.stats()).toEqual(b.stats());
    expect(a.exportState()).toEqual(b.exportState());
  });
});
