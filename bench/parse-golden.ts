/**
 * Golden check of template mining: SHA-256 digests of everything the miner and the header stripper
 * return for the inputs of `bench:parse`, so a speed-up can be shown to change no output. Recorded in
 * test/parsers/drain/golden-digests.json and compared by test/parsers/drain/golden.test.ts.
 *
 * `npx tsx bench/parse-golden.ts` prints the digests (`--write` also records them).
 *
 * Per line it hashes the template id, template text, parameters (JSON), change, previous id and
 * variant; in raw mode also the header's fields. After each run it hashes the miner's saved state
 * (`exportState`). Times: the header's timestamp, else a synthetic one per line, so the saved state does
 * not depend on the clock.
 */
import { createHash, type Hash } from "node:crypto";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { TemplateMatch } from "../src/core/template.js";
import { DrainMiner } from "../src/parsers/drain/index.js";
import { splitHeader } from "../src/parsers/header.js";
import {
  bodyTexts,
  datasetNames,
  nonRepeating,
  rawTexts,
  readBodies,
  readRawLines,
  repeatTexts,
  splitLines,
} from "./parse-golden-corpus.js";

export const DIGESTS_FILE = new URL("../test/parsers/drain/golden-digests.json", import.meta.url);

/**
 * Lines of the repeated corpora the check mines: 5 whole rounds of every dataset's 2,000 lines, a prefix of
 * what `bench:parse` times (CORPUS_LINES, 50 rounds).
 * The first round learns the templates, the second settles the last merges (2 template changes in the
 * non-repeating corpora), and from the third on every round is the same steady state: no template created
 * or changed, 694 templates, 990-992 memo keys (far below the miner's 50,000 memo limit). The rounds past
 * these only repeated that state, and cost the unit suite about 25 s of CPU.
 */
const GOLDEN_CORPUS_LINES = 100_000;

type Mode = "body" | "raw";

const BASE_MS = Date.UTC(2026, 0, 1);

/** A per-line time for lines without one: deterministic, one second apart. */
function syntheticTime(i: number): string {
  return new Date(BASE_MS + i * 1000).toISOString();
}

function hashMatch(h: Hash, m: TemplateMatch | null): void {
  if (!m) {
    h.update("null\n");
    return;
  }
  h.update(
    `${m.templateId}\t${m.template}\t${JSON.stringify(m.params)}\t${m.change}\t${m.previousId ?? ""}\t${m.variantOf ?? ""}\n`,
  );
}

/** Mines `lines` into `miner` under `stream`; hashes each line's result (and the header's, in raw mode). */
function mineInto(h: Hash, miner: DrainMiner, stream: string, lines: Iterable<string>, mode: Mode): number {
  let i = 0;
  for (const line of lines) {
    if (mode === "raw") {
      const hd = splitHeader(line);
      h.update(`${hd.timestamp}\t${hd.level}\t${hd.host}\t${hd.pid}\t${hd.component}\t${hd.body}\n`);
      hashMatch(h, miner.add(stream, hd.body, hd.timestamp ?? syntheticTime(i)));
    } else hashMatch(h, miner.add(stream, line, syntheticTime(i)));
    i++;
  }
  return i;
}

function stateDigest(miner: DrainMiner): string {
  return createHash("sha256").update(JSON.stringify(miner.exportState())).digest("hex");
}

export interface GoldenDigests {
  [name: string]: { lines: string; state: string; count: number };
}

/** Each LogHub-2k dataset in its own miner: `add` for every line, then `match` for every line again. */
function datasetDigests(mode: Mode, out: GoldenDigests): void {
  for (const d of datasetNames()) {
    const lines = mode === "raw" ? readRawLines(d) : readBodies(d);
    const miner = new DrainMiner();
    const h = createHash("sha256");
    const count = mineInto(h, miner, d, lines, mode);
    for (const line of lines) hashMatch(h, miner.match(d, mode === "raw" ? splitHeader(line).body : line));
    out[`${mode}/${d}`] = { lines: h.digest("hex"), state: stateDigest(miner), count };
  }
}

/** One corpus through one miner and one stream, as `bench:parse` times it. */
function corpusDigest(name: string, text: string, mode: Mode, out: GoldenDigests): void {
  const miner = new DrainMiner();
  const h = createHash("sha256");
  const count = mineInto(h, miner, "bench", splitLines(text), mode);
  out[name] = { lines: h.digest("hex"), state: stateDigest(miner), count };
}

export function goldenDigests(): GoldenDigests {
  const out: GoldenDigests = {};
  datasetDigests("body", out);
  datasetDigests("raw", out);
  const datasets = datasetNames();
  const raw = repeatTexts(rawTexts(datasets), GOLDEN_CORPUS_LINES);
  const body = repeatTexts(bodyTexts(datasets), GOLDEN_CORPUS_LINES);
  corpusDigest("raw/corpus-repeated", raw, "raw", out);
  corpusDigest("raw/corpus-non-repeating", nonRepeating(raw, true), "raw", out);
  corpusDigest("body/corpus-repeated", body, "body", out);
  corpusDigest("body/corpus-non-repeating", nonRepeating(body, false), "body", out);
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const digests = goldenDigests();
  const json = `${JSON.stringify(digests, null, 2)}\n`;
  process.stdout.write(json);
  if (process.argv.includes("--write")) writeFileSync(DIGESTS_FILE, json);
}
