import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { type Config, ENV_KEYS } from "../../src/config/schema.js";
import type { Anomaly } from "../../src/core/anomaly.js";
import { FakeClock } from "../../src/core/clock.js";
import type { Detector, DetectorStatus } from "../../src/core/detector.js";
import type { JsonValue } from "../../src/core/json.js";
import type { ParsedRecord } from "../../src/core/log-record.js";
import { createDetectors, detectorNames } from "../../src/detectors/registry.js";
import { loadState, saveState } from "../../src/store/repos/state.js";
import { corpus, DETECTION_ENV, foreign, OBSERVED_AT, parsedBatches } from "../helpers/detection-corpus.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";

/**
 * The detector conformance suite: every detector in the registry (adding one puts it here) is run over
 * one realistic stream, and must continue with identical output when its state is exported, saved in
 * the store's `state` table, loaded and imported into a fresh instance at any point, which is what a
 * restart and a partition hand-over rely on. A batch rolled back just before the export, and one rolled
 * back just after the import, must leave no trace either.
 */
const BATCH = 80;
/** Where the stream is cut: early (still learning), in the middle, and late (models trained). */
const SPLITS = [0.08, 0.45, 0.8];
const START = OBSERVED_AT;
const STEP_MS = 1_000;

const all = parsedBatches(corpus({ authWeek: true }), BATCH);
const configs = [
  ["default caps", loadConfig({ env: DETECTION_ENV })],
  ["8 keys per map (evictions)", loadConfig({ env: { ...DETECTION_ENV, DETECTOR_MAX_KEYS: "8" } })],
] as const;

/** What a detector says after one batch: its findings, the findings of the tick after it, its status. */
interface Step {
  observed: Anomaly[];
  ticked: Anomaly[];
  status: DetectorStatus;
}

function build(name: string, config: Config, at: number): [Detector, FakeClock] {
  const clock = new FakeClock(at);
  const detector = createDetectors(config, { clock }).find((d) => d.name === name);
  if (!detector) throw new Error(`detector ${name} is not built by this config`);
  return [detector, clock];
}

/** Batches `from`.. to the end, as the pipeline runs them: in an undo transaction, then a tick. */
function run(detector: Detector, clock: FakeClock, from: number, until = all.length): Step[] {
  const steps: Step[] = [];
  for (let i = from; i < until; i++) {
    detector.undo.begin();
    const observed = detector.observe(all[i]!);
    detector.undo.commit();
    clock.advance(STEP_MS);
    steps.push({ observed, ticked: detector.tick?.(clock.now()) ?? [], status: detector.status() });
  }
  return steps;
}

/** A later batch observed, ticked and taken back, as when the store refuses it. */
function refused(detector: Detector, clock: FakeClock, batch: readonly ParsedRecord[]): void {
  detector.undo.begin();
  detector.observe(foreign(batch));
  detector.tick?.(clock.now() + 60_000);
  detector.undo.rollback();
}

/** Uninterrupted runs, one per detector and config. */
const references = new Map<string, { steps: Step[]; flushed: Anomaly[]; state: JsonValue }>();
function reference(name: string, caps: string, config: Config) {
  const key = `${name}/${caps}`;
  let ref = references.get(key);
  if (!ref) {
    const [d, clock] = build(name, config, Date.parse(START));
    const steps = run(d, clock, 0);
    ref = { steps, flushed: d.flush?.() ?? [], state: d.exportState() };
    references.set(key, ref);
  }
  return ref;
}

/**
 * Runs the stream once more, exporting at each split (a batch refused just before), and from each export
 * a fresh instance (a batch refused just after the import); every step is compared with the reference.
 * Returns the exported states, which the store legs below save and load.
 */
const resumed = new Map<string, JsonValue[]>();
function resumeAtSplits(name: string, caps: string, config: Config): JsonValue[] {
  const key = `${name}/${caps}`;
  const known = resumed.get(key);
  if (known) return known;
  const ref = reference(name, caps, config);
  const states: JsonValue[] = [];
  // One instance runs the whole stream, exporting at each split: exporting must change nothing.
  const [probe, probeClock] = build(name, config, Date.parse(START));
  let done = 0;
  for (const fraction of SPLITS) {
    const split = Math.floor(all.length * fraction);
    expect(run(probe, probeClock, done, split), `${name}: batches ${done}..${split - 1}`).toEqual(
      ref.steps.slice(done, split),
    );
    done = split;
    refused(probe, probeClock, all[split + 3] ?? all[split]!);
    const state = probe.exportState();
    states.push(state);
    const [copy, clock] = build(name, config, probeClock.now());
    // What the state table holds is JSON text: the import reads what JSON keeps, nothing more.
    copy.importState(JSON.parse(JSON.stringify(state)) as JsonValue);
    refused(copy, clock, all[split + 5] ?? all[split]!);
    const steps = run(copy, clock, split);
    for (const [i, step] of steps.entries())
      expect(step, `${name}: imported at batch ${split}, batch ${split + i}`).toEqual(ref.steps[split + i]);
    expect(copy.flush?.() ?? [], `${name}: flush after import at ${split}`).toEqual(ref.flushed);
    expect(copy.exportState(), `${name}: final state after import at ${split}`).toEqual(ref.state);
  }
  expect(run(probe, probeClock, done)).toEqual(ref.steps.slice(done));
  resumed.set(key, states);
  return states;
}

const cases = detectorNames().flatMap((name) =>
  configs.map(([caps, config]) => [name, caps, config] as const),
);

it("runs every registered detector over the stream, and each one finds something in it", () => {
  const names = detectorNames();
  expect(names.length).toBeGreaterThanOrEqual(13);
  for (const name of names) {
    const ref = reference(name, configs[0][0], configs[0][1]);
    const found = ref.steps.reduce((n, s) => n + s.observed.length + s.ticked.length, 0) + ref.flushed.length;
    expect(found, `${name} finds nothing in the conformance stream: it tests no state`).toBeGreaterThan(0);
  }
});

describe("options: validated once, by the config schema, naming the key of a bad value", () => {
  const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  const defaults = loadConfig({ env: {} });
  it.each(detectorNames())("%s", (name) => {
    const slice = `detectors.${camel(name)}.`;
    const keys = Object.entries(ENV_KEYS).filter(([, path]) => path.startsWith(slice));
    expect(keys.length, `${name} has no environment keys under ${slice}`).toBeGreaterThan(0);
    let checked = 0;
    for (const [key, path] of keys) {
      const value = path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], defaults);
      if (typeof value !== "number" && typeof value !== "boolean") continue;
      expect(() => loadConfig({ env: { ...DETECTION_ENV, [key]: "not-a-value" } }), key).toThrow(
        new RegExp(`^(.|\\n)*${key}: `),
      );
      checked++;
    }
    expect(checked, `${name}: no number or switch to check`).toBeGreaterThan(0);
  });
});

describe("export → import at a split continues with identical output", () => {
  for (const [name, caps, config] of cases)
    it(`${name} (${caps})`, () => void resumeAtSplits(name, caps, config));
});

describe.each(DIALECTS)("detector state through the $name state table", ({ open, needsPostgres }) => {
  let t: TestStore | undefined;
  beforeAll(async () => {
    if (needsPostgres && !(await postgresAvailable())) return;
    t = await open();
  });
  afterAll(async () => {
    await t?.cleanup();
  });

  it("gives back every state saved at every split as it was exported", async () => {
    if (!t) return;
    let saved = 0;
    for (const [name, caps, config] of cases) {
      for (const [i, state] of resumeAtSplits(name, caps, config).entries()) {
        const key = `conformance:${name}:${caps}:${i}`;
        await saveState(t.store.db, key, state, START);
        expect(await loadState(t.store.db, key), `${name} (${caps}), split ${i}`).toEqual(
          JSON.parse(JSON.stringify(state)),
        );
        saved++;
      }
    }
    expect(saved).toBe(cases.length * SPLITS.length);
  });
});
