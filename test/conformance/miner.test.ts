import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import type { JsonValue } from "../../src/core/json.js";
import { type LogRecord, serviceOf } from "../../src/core/log-record.js";
import type { TemplateMatch, TemplateMiner } from "../../src/core/template.js";
import { createMiner, type MinerOptions } from "../../src/parsers/create-miner.js";
import { decodeLine } from "../../src/parsers/decoders/index.js";
import { loadState, saveState } from "../../src/store/repos/state.js";
import { batches, corpus, OBSERVED_AT } from "../helpers/detection-corpus.js";
import { LOGHUB_SYSTEMS, loghubLines } from "../helpers/loghub.js";
import { DIALECTS, postgresAvailable, type TestStore } from "../helpers/stores.js";

/**
 * The template-miner conformance suite, over every miner `createMiner` builds (the one place that picks
 * the implementation): fed the LogHub samples of ten systems and the detection corpus, batch by batch,
 * it must go on with identical templates when its state is exported, read back as JSON and imported into
 * a fresh miner at any point (a restart, a partition hand-over), also with a batch rolled back just
 * before the export and another just after the import. The exported states go through the state table
 * on SQLite and PostgreSQL.
 */
const BATCH = 100;
const SPLITS = [0.1, 0.5, 0.85];

function loghub(take: number): LogRecord[] {
  const sources = LOGHUB_SYSTEMS.map((name) => loghubLines(name).slice(0, take));
  const out: LogRecord[] = [];
  for (let i = 0; i < take; i++)
    for (const s of sources) if (i < s.length) out.push(decodeLine(s[i]!, { observedAt: OBSERVED_AT }));
  return out;
}

const all = batches([...loghub(400), ...corpus()], BATCH);

/** Every miner the factory builds: its defaults as the config gives them, and a cap that evicts. */
const defaults = loadConfig({ env: {} }).miner;
const MINERS: [string, MinerOptions][] = [
  [
    "default config",
    { maxTemplatesPerStream: defaults.maxTemplatesPerStream, maxTokensPerLine: defaults.maxTokensPerLine },
  ],
  [
    "30 templates per stream, 16 tokens a line (evictions, truncation)",
    { maxTemplatesPerStream: 30, maxTokensPerLine: 16 },
  ],
];

interface Step {
  matches: TemplateMatch[];
  templates: ReturnType<TemplateMiner["templates"]>;
  stats: ReturnType<TemplateMiner["stats"]>;
}

function mine(miner: TemplateMiner, batch: readonly LogRecord[]): TemplateMatch[] {
  return batch.map((r) => miner.add(serviceOf(r), r.body, r.timestamp));
}

function run(miner: TemplateMiner, from: number, until = all.length): Step[] {
  const steps: Step[] = [];
  for (let i = from; i < until; i++) {
    miner.undo.begin();
    const matches = mine(miner, all[i]!);
    miner.undo.commit();
    steps.push({ matches, templates: miner.templates(), stats: miner.stats() });
  }
  return steps;
}

function refused(miner: TemplateMiner, batch: readonly LogRecord[]): void {
  miner.undo.begin();
  mine(miner, batch);
  miner.undo.rollback();
}

const references = new Map<string, { steps: Step[]; state: unknown; resolved: Map<string, string> }>();
function reference(label: string, options: MinerOptions) {
  let ref = references.get(label);
  if (!ref) {
    const miner = createMiner(options);
    const steps = run(miner, 0);
    // Each id handed out (stream NUL id), and what it resolves to at the end.
    const resolved = new Map<string, string>();
    for (const [i, step] of steps.entries())
      for (const [j, m] of step.matches.entries()) {
        const stream = serviceOf(all[i]![j]!);
        resolved.set(`${stream}\u0000${m.templateId}`, miner.resolve(stream, m.templateId));
      }
    ref = { steps, state: miner.exportState(), resolved };
    references.set(label, ref);
  }
  return ref;
}

/**
 * A state with each stream's lineage in id order: lineage is a map from an old id to the id it became,
 * and the order its links were written in (which merge came first among templates merged at once) means
 * nothing; every id's resolution is compared above.
 */
function comparable(state: unknown): unknown {
  const s = JSON.parse(JSON.stringify(state)) as { streams?: { lineage?: [string, string][] }[] };
  for (const stream of s.streams ?? []) stream.lineage?.sort((a, b) => a[0].localeCompare(b[0]));
  return s;
}

const exported = new Map<string, unknown[]>();
function resumeAtSplits(label: string, options: MinerOptions): unknown[] {
  const known = exported.get(label);
  if (known) return known;
  const ref = reference(label, options);
  const probe = createMiner(options);
  const states: unknown[] = [];
  let done = 0;
  for (const fraction of SPLITS) {
    const split = Math.floor(all.length * fraction);
    expect(run(probe, done, split), `batches ${done}..${split - 1}`).toEqual(ref.steps.slice(done, split));
    done = split;
    refused(probe, all[split + 2] ?? all[split]!);
    const state = probe.exportState();
    states.push(state);
    // The whole state at once (a restart), and stream by stream (each stream a partition handed over on
    // its own, with the counters that belong to none), both as the state table's JSON gives them back.
    const whole = createMiner(options);
    whole.importState(JSON.parse(JSON.stringify(state)));
    const byStream = createMiner(options);
    const streams = probe.streamNames().map((name) => probe.exportStream(name)!);
    byStream.importStreams(
      JSON.parse(JSON.stringify(probe.exportShared())),
      JSON.parse(JSON.stringify(streams)),
    );
    for (const [how, copy] of [
      ["whole state", whole],
      ["stream by stream", byStream],
    ] as const) {
      expect(copy.templates(), `${how}: templates right after the import at ${split}`).toEqual(
        probe.templates(),
      );
      refused(copy, all[split + 4] ?? all[split]!);
      for (const [i, step] of run(copy, split).entries())
        expect(step, `${how}: imported at batch ${split}, batch ${split + i}`).toEqual(ref.steps[split + i]);
      // Every id ever handed out resolves, through its lineage, as in the uninterrupted miner.
      for (const [id, current] of ref.resolved) {
        const [stream, templateId] = id.split("\u0000") as [string, string];
        expect(copy.resolve(stream, templateId), `${how}: ${stream} ${templateId}`).toBe(current);
      }
      expect(comparable(copy.exportState()), `${how}: final state after the import at ${split}`).toEqual(
        comparable(ref.state),
      );
    }
  }
  expect(run(probe, done)).toEqual(ref.steps.slice(done));
  exported.set(label, states);
  return states;
}

it("the stream makes templates in every system, generalises some and, capped, evicts", () => {
  const [, capped] = MINERS[1]!;
  const ref = reference(MINERS[0]![0], MINERS[0]![1]);
  const changes = ref.steps.flatMap((s) => s.matches.map((m) => m.change));
  expect(changes.filter((c) => c === "created").length).toBeGreaterThan(200);
  expect(changes.filter((c) => c === "updated").length).toBeGreaterThan(20);
  expect(new Set(ref.steps.at(-1)!.templates.map((t) => t.stream)).size).toBeGreaterThanOrEqual(10);
  const small = reference(MINERS[1]![0], capped);
  expect(small.steps.at(-1)!.stats.evictions).toBeGreaterThan(0);
  expect(small.steps.at(-1)!.stats.truncatedLines).toBeGreaterThan(0);
});

describe("export → import at a split continues with identical templates", () => {
  for (const [label, options] of MINERS) it(label, () => void resumeAtSplits(label, options));
});

describe.each(DIALECTS)("miner state through the $name state table", ({ open, needsPostgres }) => {
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
    for (const [label, options] of MINERS)
      for (const [i, state] of resumeAtSplits(label, options).entries()) {
        const key = `conformance:miner:${label}:${i}`;
        await saveState(t.store.db, key, state, OBSERVED_AT);
        const loaded = (await loadState(t.store.db, key)) as JsonValue;
        expect(loaded, `${label}, split ${i}`).toEqual(JSON.parse(JSON.stringify(state)));
      }
  });
});
