/**
 * Where recall goes between raw lines and keys: given the rendered lines and each line's true key,
 * mines them again with the product's miner (same configuration, same decoding as `analyze`) and
 * measures (a) template purity, (b) session assembly, (c) unseen templates in test, and (d) what the
 * model's decision rule flagged or missed. Bench-only: the true keys never reach the product.
 */
import { readFileSync } from "node:fs";
import { loadConfig } from "../../src/config/load.js";
import { sessionKeyReader } from "../../src/detectors/sequence/session-grouper.js";
import { createMiner } from "../../src/parsers/create-miner.js";
import { decodeLine } from "../../src/parsers/decoders/index.js";
import { table } from "../lib/report.js";

export interface DiagnosisInput {
  train: string;
  test: string;
  trainKeys: readonly string[];
  testKeys: readonly string[];
  testBlocks: readonly string[];
  /** Test sessions 0..normalTest-1 are normal, the rest abnormal (the protocol's order). */
  normalTest: number;
  /** Flagged test blocks → the anomaly type reported. */
  flagged: ReadonlyMap<string, string>;
  /** Per test session: did the same model flag the true key session? */
  keyModelFlags: readonly boolean[];
  sessionKey: string;
  /** The configured idle timeout, and the one judging used (learned from the baseline). */
  idleTimeoutSecs: number;
  judgedIdleTimeoutSecs: number;
  service: string;
}

interface MinedLine {
  block: string | null;
  /** Template id when the line was mined (what the detector saw). */
  id: string;
  at: number;
  /** The template this line widened, when it widened one. */
  reshaped: string | null;
}

function mine(input: DiagnosisInput) {
  const miner = createMiner(loadConfig({ env: {} }).miner);
  const readBlock = sessionKeyReader({ regex: input.sessionKey });
  const templates = new Map<string, string>();
  const run = (file: string): MinedLine[] =>
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((line) => {
        const record = decodeLine(line, {
          observedAt: "2026-01-01T00:00:00.000Z",
          defaultService: input.service,
        });
        const m = miner.add(input.service, record.body, record.timestamp);
        templates.set(m.templateId, m.template);
        const reshaped = m.change === "updated" ? (m.previousId ?? null) : null;
        return { block: readBlock(record), id: m.templateId, at: Date.parse(record.timestamp), reshaped };
      });
  const train = run(input.train);
  const test = run(input.test);
  return { train, test, templates, resolve: (id: string) => miner.resolve(input.service, id) };
}

const addTo = (map: Map<string, Set<string>>, k: string, v: string) => {
  const s = map.get(k);
  if (s) s.add(v);
  else map.set(k, new Set([v]));
};

export function diagnoseRawSessions(input: DiagnosisInput): string {
  const { train, test, templates, resolve } = mine(input);
  const short = (id: string) => (templates.get(id) ?? id).slice(0, 90).replaceAll("|", "\\|");

  // (a) Purity on final templates (lineage resolved), over baseline and test lines.
  const idsOfKey = new Map<string, Set<string>>();
  const keysOfId = new Map<string, Set<string>>();
  const all = [
    ...train.map((l, i) => [l, input.trainKeys[i]!] as const),
    ...test.map((l, i) => [l, input.testKeys[i]!] as const),
  ];
  for (const [line, key] of all) {
    const id = resolve(line.id);
    addTo(idsOfKey, key, id);
    addTo(keysOfId, id, key);
  }
  const trainKeySet = new Set(input.trainKeys);
  const split = [...idsOfKey].filter(([, ids]) => ids.size > 1);
  const merged = [...keysOfId].filter(([, keys]) => keys.size > 1);
  const hidden = merged.filter(
    ([, keys]) => [...keys].some((k) => !trainKeySet.has(k)) && [...keys].some((k) => trainKeySet.has(k)),
  );

  const sessionOf = new Map(input.testBlocks.map((b, i) => [b, i]));
  // (b) Session assembly: a block whose lines are further apart than the idle timeout is cut in two.
  const last = new Map<string, number>();
  const longest = new Map<string, number>();
  let unkeyed = 0;
  for (const line of test) {
    if (line.block === null) {
      unkeyed++;
      continue;
    }
    const before = last.get(line.block);
    if (before !== undefined)
      longest.set(line.block, Math.max(longest.get(line.block) ?? 0, line.at - before));
    last.set(line.block, line.at);
  }
  const cutAt = (secs: number) =>
    new Set([...longest].filter(([, gap]) => gap >= secs * 1000).map(([b]) => sessionOf.get(b)!));

  // (c) Unseen templates in test: the id a test line got was never seen in the baseline.
  const vocabulary = new Set(train.map((l) => l.id));
  const falseNovelty = new Set<number>(); // a key seen in training, under an id the baseline never had
  const trueNovelty = new Set<number>(); // a key never seen in training, under a new id
  const hiddenNovelty = new Set<number>(); // a key never seen in training, under a baseline id
  test.forEach((line, i) => {
    const s = line.block === null ? undefined : sessionOf.get(line.block);
    if (s === undefined) return;
    const knownKey = trainKeySet.has(input.testKeys[i]!);
    const knownId = vocabulary.has(line.id);
    if (knownKey && !knownId) falseNovelty.add(s);
    if (!knownKey && !knownId) trueNovelty.add(s);
    if (!knownKey && knownId) hiddenNovelty.add(s);
  });
  const byLabel = (set: ReadonlySet<number>) => {
    let normal = 0;
    for (const s of set) if (s < input.normalTest) normal++;
    return `${normal} normal / ${set.size - normal} abnormal`;
  };
  const reshapedBaseline = test.filter((l) => l.reshaped !== null && vocabulary.has(l.reshaped)).length;

  // (d) The decision rule: what was flagged, and what the key-level model caught that raw lines missed.
  const types = new Map<string, [number, number]>();
  let lostVsKeys = 0;
  let gainedVsKeys = 0;
  input.testBlocks.forEach((b, s) => {
    const type = input.flagged.get(b);
    if (type !== undefined) {
      const row = types.get(type) ?? [0, 0];
      row[s < input.normalTest ? 0 : 1]++;
      types.set(type, row);
    }
    if (s >= input.normalTest && input.keyModelFlags[s] && type === undefined) lostVsKeys++;
    if (s >= input.normalTest && !input.keyModelFlags[s] && type !== undefined) gainedVsKeys++;
  });

  const list = (ids: Iterable<string>) => [...ids].map((id) => `\`${short(id)}\``).join("; ");
  return [
    `Diagnosis (mined again with the same miner and decoding; ${train.length.toLocaleString("en-US")} baseline and ${test.length.toLocaleString("en-US")} test lines, ${vocabulary.size} template ids in the baseline, ${keysOfId.size} final templates for ${idsOfKey.size} true keys):`,
    "",
    `- (a) purity: ${split.length} true keys split over several final templates${split.length ? ` (${split.map(([k, ids]) => `E${k} → ${ids.size}`).join(", ")})` : ""}; ${merged.length} templates holding several true keys${merged.length ? `: ${merged.map(([id, keys]) => `E${[...keys].join("+E")} in ${list([id])}`).join("; ")}` : ""}; of those, ${hidden.length} hide a key never seen in the baseline inside a baseline key's template.`,
    `- (b) session assembly: ${cutAt(input.idleTimeoutSecs).size} test sessions (${byLabel(cutAt(input.idleTimeoutSecs))}) pause at least the configured idle timeout (${input.idleTimeoutSecs} s of record time), so it would cut them in two; judging used ${input.judgedIdleTimeoutSecs} s (learned from the baseline), which cuts ${byLabel(cutAt(input.judgedIdleTimeoutSecs))}; ${unkeyed} test lines carry no block id.`,
    `- (c) unseen templates in test: sessions with a baseline key under an id the baseline never had (false novelty): ${byLabel(falseNovelty)}; with a new key under a new id (true novelty): ${byLabel(trueNovelty)}; with a new key under a baseline id (hidden novelty): ${byLabel(hiddenNovelty)}; test lines that widened a baseline template: ${reshapedBaseline}.`,
    `- (d) decision rule: abnormal sessions the key-level model flags but raw lines miss: ${lostVsKeys}; the reverse: ${gainedVsKeys}. Flagged by type:`,
    "",
    table(
      ["type", "normal (FP)", "abnormal (TP)"],
      [...types].sort((x, y) => y[1][0] + y[1][1] - x[1][0] - x[1][1]).map(([t, [n, a]]) => [t, n, a]),
    ),
  ].join("\n");
}
