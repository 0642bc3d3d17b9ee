/**
 * HDFS block sessions (DeepLog's preprocessed set) through NextKeyModel, scored by the shared
 * evaluator `../shared/bench/hdfs_sessions_eval.py` (protocol v1).
 *
 * Settings are chosen without the test set, by forward chaining on the training half: it is cut into
 * 20 contiguous folds and each of folds 5..19 is held out with a model trained on the folds before
 * it only, as a deployed model is trained on the past and judged on the future. That gives a held-out
 * false-alarm count per grid setting; synthetic anomalies made from the held-out sessions (truncated,
 * one key deleted, duplicated, two keys swapped) give a rough recall. The pick is the setting with the
 * best synthetic recall whose held-out false-alarm rate is within half the 0.25 % budget (a few
 * events on ~1,800 sessions is a noisy estimate, hence the margin); ties go to fewer false alarms,
 * then the shorter history, then the smaller g. Only then is the test split scored, for that pick and
 * a few others for context.
 *
 * Run alone: npx tsx bench/detect/hdfs-sessions.ts
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  DEFAULT_NEXT_KEY_OPTIONS,
  NextKeyModel,
  type NextKeyModelOptions,
} from "../../src/detectors/sequence/model/index.js";
import { mulberry32 } from "../lib/random.js";
import { machineLine, table, writeBenchSection } from "../lib/report.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const SCORER = fileURLToPath(new URL("../../../shared/bench/hdfs_sessions_eval.py", import.meta.url));
export const HDFS_OUT = fileURLToPath(new URL("../.out/hdfs/", import.meta.url));

const FOLDS = 20;
/** Folds before this one only train; forward chaining starts here (a quarter of the half). */
const FIRST_HELD_FOLD = 5;
const FPR_BUDGET = 0.0025;
/** Validation must stay within this share of the budget. */
const BUDGET_MARGIN = 0.5;
const DEPTH = 10;

type Session = string[];

function readSessions(path: string): Session[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .map((line) => line.split(/\s+/).filter((t) => t !== ""))
    .filter((s) => s.length > 0);
}

/** Runs the scorer's `split` (train / test / labels in the protocol's fixed order). */
export function splitHdfs(): { train: Session[]; test: Session[] } {
  mkdirSync(HDFS_OUT, { recursive: true });
  execFileSync("python3", [SCORER, "split", "--out", HDFS_OUT], { cwd: ROOT, stdio: "pipe" });
  return {
    train: readSessions(`${HDFS_OUT}train_sessions.txt`),
    test: readSessions(`${HDFS_OUT}test_sessions.txt`),
  };
}

/** A seeded generator, so the synthetic anomalies are the same on every run. */
export const rng = mulberry32;

const MUTATIONS = ["truncate", "delete", "duplicate", "swap"] as const;
type Mutation = (typeof MUTATIONS)[number];

function mutate(s: Session, kind: Mutation, rand: () => number): Session {
  const at = (n: number) => Math.floor(rand() * n);
  const i = at(s.length);
  switch (kind) {
    case "truncate":
      return s.slice(0, 1 + at(s.length - 1));
    case "delete":
      return [...s.slice(0, i), ...s.slice(i + 1)];
    case "duplicate":
      return [...s.slice(0, i + 1), ...s.slice(i)];
    case "swap": {
      const out = [...s];
      const j = at(s.length);
      [out[i], out[j]] = [out[j]!, out[i]!];
      return out;
    }
  }
}

function settingName(o: NextKeyModelOptions): string {
  const end = o.endHistoryLength === null ? "-" : String(o.endHistoryLength);
  const margin = o.lengthMargin === null ? "-" : String(o.lengthMargin);
  const count = o.countMargin === null ? "-" : String(o.countMargin);
  return `h=${o.historyLength} g=${o.topG} pad=${o.padCandidates ? "y" : "n"} end=${end} len=${margin} cnt=${count}`;
}

function grid(): NextKeyModelOptions[] {
  const out: NextKeyModelOptions[] = [];
  for (const historyLength of [4, 10])
    for (const topG of [9, 10, 11, 12, 13, 14])
      for (const endHistoryLength of [null, 1, 2, 4])
        for (const lengthMargin of [0, 0.1])
          for (const countMargin of [null, 0, 0.5])
            out.push({
              historyLength,
              topG,
              padCandidates: true,
              endHistoryLength,
              lengthMargin,
              countMargin,
            });
  return out;
}

interface ValidationRow {
  options: NextKeyModelOptions;
  falseAlarms: number;
  recall: Record<Mutation, number>;
  meanRecall: number;
}

/** Held-out false alarms and synthetic recall per grid setting, training half only, forward chaining. */
function validate(train: readonly Session[]): { rows: ValidationRow[]; normals: number } {
  const settings = grid();
  const fa = settings.map(() => 0);
  const hit = settings.map(() => ({ truncate: 0, delete: 0, duplicate: 0, swap: 0 }));
  const made = { truncate: 0, delete: 0, duplicate: 0, swap: 0 };
  const known = new Set(train.map((s) => s.join(" ")));
  const rand = rng(20240);
  let normals = 0;
  for (let f = FIRST_HELD_FOLD; f < FOLDS; f++) {
    const a = Math.floor((f * train.length) / FOLDS);
    const b = Math.floor(((f + 1) * train.length) / FOLDS);
    const held = train.slice(a, b);
    normals += held.length;
    const base = new NextKeyModel({ historyLength: DEPTH }).train(train.slice(0, a));
    const models = settings.map((o) => base.withOptions(o));
    const synthetic: [Mutation, Session][] = [];
    for (const kind of MUTATIONS)
      for (const s of held) {
        const m = mutate(s, kind, rand);
        // A mutation that gives back a known normal session is no anomaly; leave it out.
        if (!known.has(m.join(" "))) synthetic.push([kind, m]);
      }
    for (const [kind] of synthetic) made[kind]++;
    models.forEach((model, k) => {
      for (const s of held) if (model.detect(s).anomalous) fa[k]!++;
      for (const [kind, s] of synthetic) if (model.detect(s).anomalous) hit[k]![kind]++;
    });
  }
  const rows = settings.map((options, k) => {
    const recall = Object.fromEntries(MUTATIONS.map((m) => [m, hit[k]![m] / made[m]])) as Record<
      Mutation,
      number
    >;
    const meanRecall = MUTATIONS.reduce((sum, m) => sum + recall[m], 0) / MUTATIONS.length;
    return { options, falseAlarms: fa[k]!, recall, meanRecall };
  });
  return { rows, normals };
}

const withinBudget = (r: ValidationRow, normals: number) =>
  r.falseAlarms <= BUDGET_MARGIN * FPR_BUDGET * normals;

/** Within the false-alarm budget, best synthetic recall; ties: fewer false alarms, shorter h, smaller g. */
function pick(rows: readonly ValidationRow[], normals: number): ValidationRow {
  const ok = rows.filter((r) => withinBudget(r, normals));
  if (ok.length === 0) throw new Error("no setting meets the false-alarm budget on validation");
  return [...ok].sort(
    (x, y) =>
      y.meanRecall - x.meanRecall ||
      x.falseAlarms - y.falseAlarms ||
      x.options.historyLength - y.options.historyLength ||
      x.options.topG - y.options.topG,
  )[0]!;
}

interface EvalRow {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
  fpr: number;
  p_proj: number;
  roc_auc?: number;
}

/** Writes 0/1 predictions and scores, then lets the shared scorer judge them. */
function evaluate(name: string, model: NextKeyModel, test: readonly Session[]): EvalRow & { rate: number } {
  const started = performance.now();
  const verdicts = test.map((s) => model.detect(s));
  const rate = test.length / ((performance.now() - started) / 1000);
  const pred = `${HDFS_OUT}pred-${name}.txt`;
  const scores = `${HDFS_OUT}scores-${name}.txt`;
  writeFileSync(pred, `${verdicts.map((v) => (v.anomalous ? 1 : 0)).join("\n")}\n`);
  writeFileSync(scores, `${verdicts.map((v) => v.score).join("\n")}\n`);
  const out = execFileSync("python3", [SCORER, "eval", "--pred", pred, "--scores", scores, "--json"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const rows = JSON.parse(out) as EvalRow[];
  return { ...rows[0]!, rate };
}

const f3 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "-" : v.toFixed(3));
const pct = (v: number) => `${(100 * v).toFixed(2)} %`;

export async function runHdfsSessionsBench(): Promise<string> {
  const { train, test } = splitHdfs();
  const { rows, normals } = validate(train);
  const chosen = pick(rows, normals);
  const defaults = { ...DEFAULT_NEXT_KEY_OPTIONS };
  const sameAsDefault = settingName(chosen.options) === settingName(defaults);

  const full = new NextKeyModel({ historyLength: DEPTH }).train(train);
  const none = { lengthMargin: null, countMargin: null };
  const variants: [string, Partial<NextKeyModelOptions>][] = [
    ["default (the validation pick)", defaults],
    ...(sameAsDefault ? [] : [["validation pick", chosen.options] as [string, NextKeyModelOptions]]),
    [
      "DeepLog plain: no padding, END like any key, no length check",
      { historyLength: 10, topG: 9, padCandidates: false, endHistoryLength: null, ...none },
    ],
    [
      "padded, END like any key, no length check",
      { historyLength: 10, topG: 9, endHistoryLength: null, ...none },
    ],
    [
      "previous default (20 cross folds, full budget; no count check)",
      { historyLength: 4, topG: 12, endHistoryLength: 4, lengthMargin: 0, countMargin: null },
    ],
    ["default without the key-count check", { ...defaults, countMargin: null }],
    ["default without any length or count check", { ...defaults, ...none }],
    ["default, key-count margin 0.5", { ...defaults, countMargin: 0.5 }],
    ["default, END judged on 2 keys", { ...defaults, endHistoryLength: 2 }],
    ["default, h = 10", { ...defaults, historyLength: 10 }],
    ["default, g = 10", { ...defaults, topG: 10 }],
    ["default, g = 12", { ...defaults, topG: 12 }],
  ];
  const testRows = variants.map(([label, o], i) => {
    const model = full.withOptions(o);
    const r = evaluate(`v${i}`, model, test);
    return [
      label,
      settingName(model.options),
      r.tp,
      r.fp,
      r.fn,
      f3(r.precision),
      f3(r.recall),
      pct(r.fpr),
      f3(r.p_proj),
      f3(r.roc_auc),
      Math.round(r.rate).toLocaleString("en-US"),
    ];
  });

  const top = [...rows]
    .filter((r) => withinBudget(r, normals))
    .sort((x, y) => y.meanRecall - x.meanRecall)
    .slice(0, 5);
  const validationRows = [chosen, ...top.filter((r) => r !== chosen).slice(0, 4)].map((r) => [
    settingName(r.options),
    r.falseAlarms,
    pct(r.falseAlarms / normals),
    ...MUTATIONS.map((m) => f3(r.recall[m])),
    f3(r.meanRecall),
  ]);

  return `## HDFS block sessions: next-key model (DeepLog criterion, count-based)

${machineLine()} Script: \`npx tsx bench/detect/hdfs-sessions.ts\`; scorer: \`../shared/bench/hdfs_sessions_eval.py\` protocol v1 (train = first 2,427 normal sessions; test = 2,428 normal then 16,838 abnormal).

Settings are chosen on the training half only, by forward chaining: of ${FOLDS} contiguous folds, each of folds ${FIRST_HELD_FOLD}–${FOLDS - 1} is held out with a model trained on the folds before it only (the future judged by the past, as in deployment), giving held-out false alarms on ${normals} normal sessions; synthetic anomalies (truncation, deleted, duplicated or swapped key) give a rough recall. Pick = best mean synthetic recall with held-out false-alarm rate ≤ ${pct(BUDGET_MARGIN * FPR_BUDGET)} (half the budget: a few events on ${normals} sessions is a noisy estimate); ties: fewer false alarms, shorter h, smaller g. This protocol (forward chaining, half budget, the key-count check in the grid) replaced 20 cross folds at the full budget after the previous default's test FPR (0.66 %) was seen to exceed its held-out rate (0.25 %), so the test figures below are not a fully blind estimate. ${sameAsDefault ? "The pick equals `DEFAULT_NEXT_KEY_OPTIONS`." : `**The pick (${settingName(chosen.options)}) differs from \`DEFAULT_NEXT_KEY_OPTIONS\` (${settingName(defaults)}).**`}

Validation (training half only; best ${validationRows.length} within budget):

${table(["setting", "held-out FA", "FA rate", ...MUTATIONS.map((m) => `R ${m}`), "mean R"], validationRows)}

Test (scored by the shared evaluator; P_proj = precision on DeepLog's 553,366 : 16,838 mix):

${table(["variant", "setting", "TP", "FP", "FN", "P", "R", "FPR", "P_proj", "ROC-AUC", "sessions/s"], testRows)}

Setting key: h = history length, g = accepted next keys, pad = fill the candidate list to g from shorter histories, end = history length that judges the end token without padding (- = like any key), len = length margin (- = no length check), cnt = per-key count margin (- = no key-count check). Target: recall ≥ 0.97 at FPR ≤ 0.25 %.`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const md = await runHdfsSessionsBench();
  console.log(md);
  writeBenchSection("hdfs-sessions", md);
}
