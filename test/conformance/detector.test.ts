import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { type Config, ENV_KEYS } from "../../src/config/schema.js";
import type { Anomaly } from "../../src/core/anomaly.js";
import { FakeClock } from "../../src/core/clock.js";
import {
  type Detector,
  type DetectorStatus,
  isStreamPartitioned,
  type StreamPartitioned,
} from "../../src/core/detector.js";
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
 * back just after the import, must leave no trace either. A detector keyed by stream (`StreamPartitioned`)
 * must also do so from its state saved as the pipeline saves it, by stream, and hand one stream over alone.
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

/**
 * Partitioned detectors, saved as the pipeline saves them (src/pipeline/partition-state.ts): every few
 * batches, the rows of the streams those batches held plus the streams the detector reports changed (a
 * tick), and the shared remainder. Rows of streams that went quiet stay as an earlier save wrote them.
 */
const SAVE_EVERY = 3;
const partitioned = (name: string, config: Config) => {
  const [d] = build(name, config, Date.parse(START));
  return isStreamPartitioned(d);
};

class PartitionSaver {
  readonly rows = new Map<string, JsonValue>();
  shared: JsonValue = null;
  readonly #dirty = new Set<string>();
  /** Which save wrote each stream's row. */
  readonly #writtenAt = new Map<string, number>();
  #saves = 0;
  constructor(readonly detector: Detector & StreamPartitioned) {}

  observed(batch: readonly ParsedRecord[]): void {
    for (const r of batch) this.#dirty.add(r.stream);
  }

  save(): void {
    for (const s of this.detector.takeChangedStreams?.() ?? []) this.#dirty.add(s);
    // What the table holds is JSON text.
    this.#saves++;
    for (const [stream, state] of this.detector.exportStreams(this.#dirty)) {
      this.rows.set(stream, JSON.parse(JSON.stringify(state)) as JsonValue);
      this.#writtenAt.set(stream, this.#saves);
    }
    this.shared = JSON.parse(JSON.stringify(this.detector.exportShared())) as JsonValue;
    this.#dirty.clear();
  }

  /** Rows an earlier save wrote than the last: the property covers rows older than the shared one. */
  staleRows(): number {
    return [...this.#writtenAt.values()].filter((n) => n < this.#saves).length;
  }

  /** As a restart loads them: stream rows by partition name, then the shared row. */
  restoreInto(detector: Detector & StreamPartitioned): void {
    for (const stream of [...this.rows.keys()].sort()) detector.importStream(stream, this.rows.get(stream)!);
    detector.importShared(this.shared);
  }
}

function asPartitioned(d: Detector): Detector & StreamPartitioned {
  if (!isStreamPartitioned(d)) throw new Error(`${d.name} does not split its state by stream`);
  return d;
}

/** One stream's findings, each with the batch and the call (observe, tick, flush) that gave it. */
function findingsOf(stream: string, steps: readonly Step[], flushed: readonly Anomaly[], first: number) {
  const out: [number, string, Anomaly][] = [];
  for (const [i, step] of steps.entries()) {
    for (const a of step.observed) if (a.service === stream) out.push([first + i, "observed", a]);
    for (const a of step.ticked) if (a.service === stream) out.push([first + i, "ticked", a]);
  }
  for (const a of flushed) if (a.service === stream) out.push([-1, "flushed", a]);
  return out;
}

describe("partitioned detectors: state by stream", () => {
  it("the detectors whose state is all keyed by stream split it; the others stay whole", () => {
    const [, config] = configs[0];
    const names = detectorNames().filter((name) => partitioned(name, config));
    expect(names.sort()).toEqual(["error_burst", "new_template", "rare_template", "severe_events", "volume"]);
  });

  const partitionedCases = cases.filter(([name, , config]) => partitioned(name, config));

  describe("stream rows saved when their streams change, plus the shared row, continue identically", () => {
    for (const [name, caps, config] of partitionedCases)
      it(`${name} (${caps})`, () => {
        const ref = reference(name, caps, config);
        const [d, probeClock] = build(name, config, Date.parse(START));
        const probe = asPartitioned(d);
        const saver = new PartitionSaver(probe);
        let done = 0;
        let stale = 0;
        for (const fraction of SPLITS) {
          const split = Math.floor(all.length * fraction);
          for (let i = done; i < split; i++) {
            expect(run(probe, probeClock, i, i + 1), `${name}: batch ${i}`).toEqual([ref.steps[i]]);
            saver.observed(all[i]!);
            if ((i + 1) % SAVE_EVERY === 0) saver.save();
          }
          done = split;
          refused(probe, probeClock, all[split + 3] ?? all[split]!);
          saver.save();
          const [copyDetector, clock] = build(name, config, probeClock.now());
          const copy = asPartitioned(copyDetector);
          saver.restoreInto(copy);
          refused(copy, clock, all[split + 5] ?? all[split]!);
          const steps = run(copy, clock, split);
          for (const [i, step] of steps.entries())
            expect(step, `${name}: restored at batch ${split}, batch ${split + i}`).toEqual(
              ref.steps[split + i],
            );
          expect(copy.flush?.() ?? [], `${name}: flush after restore at ${split}`).toEqual(ref.flushed);
          expect(copy.exportState(), `${name}: final state after restore at ${split}`).toEqual(ref.state);
          stale += saver.staleRows();
        }
        expect(
          stale,
          "no stream row was older than the shared row: the test would not test that",
        ).toBeGreaterThan(0);
      });
  });

  describe("one stream's row handed to an instance that ran only the other streams", () => {
    // Default caps only: with 8 keys a map, what the receiving instance forgets depends on its own streams.
    for (const [name, caps, config] of partitionedCases.filter(([, c]) => c === configs[0][0]))
      it(`${name} (${caps})`, () => {
        const ref = reference(name, caps, config);
        let movedFindings = 0;
        for (const fraction of SPLITS) {
          const split = Math.floor(all.length * fraction);
          // The stream with the most findings after the split, so the hand-over has something to get
          // right; after a split with none, the one with the most records (its state must still carry on).
          const counts = new Map<string, number>();
          for (const step of ref.steps.slice(split))
            for (const a of [...step.observed, ...step.ticked])
              if (a.service !== null) counts.set(a.service, (counts.get(a.service) ?? 0) + 1);
          const [from, fromClock] = build(name, config, Date.parse(START));
          run(from, fromClock, 0, split);
          const held = new Set(asPartitioned(from).streams());
          // A stream the sender holds nothing of (severe_events keeps only streams that logged a severe
          // line) has nothing to hand over: the receiver starts it as the sender would have.
          for (const s of [...counts.keys()]) if (!held.has(s)) counts.delete(s);
          if (counts.size === 0)
            for (const r of all.slice(split).flat())
              if (held.has(r.stream)) counts.set(r.stream, (counts.get(r.stream) ?? 0) - 1);
          // Or any stream it holds: what it holds must still come across whole.
          if (counts.size === 0) for (const s of held) counts.set(s, -1);
          if (counts.size === 0) continue;
          const stream = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0];
          movedFindings += Math.max(0, counts.get(stream)!);

          const row = asPartitioned(from)
            .exportStreams(new Set([stream]))
            .get(stream);
          expect(row, `${name}: no state for ${stream}`).toBeDefined();

          const [toDetector, toClock] = build(name, config, Date.parse(START));
          const to = asPartitioned(toDetector);
          for (let i = 0; i < split; i++) {
            to.undo.begin();
            to.observe(all[i]!.filter((r) => r.stream !== stream));
            to.undo.commit();
            toClock.advance(STEP_MS);
            to.tick?.(toClock.now());
          }
          expect([...to.streams()]).not.toContain(stream);
          to.importStream(stream, JSON.parse(JSON.stringify(row)) as JsonValue);
          refused(to, toClock, all[split + 5] ?? all[split]!);
          const steps = run(to, toClock, split);
          const flushed = to.flush?.() ?? [];
          const streams = new Set(all.flatMap((b) => b.map((r) => r.stream)));
          for (const s of streams)
            expect(
              findingsOf(s, steps, flushed, split),
              `${name}: ${s} after ${stream} moved at ${split}`,
            ).toEqual(findingsOf(s, ref.steps.slice(split), ref.flushed, split));
          expect(findingsOf(stream, steps, flushed, split).length).toBeGreaterThanOrEqual(
            counts.get(stream)!,
          );
          // The moved stream ends as it does where it never moved.
          run(from, fromClock, split);
          from.flush?.();
          expect(to.exportStreams(new Set([stream])), `${name}: ${stream} at the end`).toEqual(
            asPartitioned(from).exportStreams(new Set([stream])),
          );
        }
        expect(movedFindings, `${name}: no moved stream had findings after its hand-over`).toBeGreaterThan(0);
      });
  });
});
