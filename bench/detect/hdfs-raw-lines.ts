/**
 * Renders the HDFS benchmark's key sessions back into HDFS-like raw log lines, one block id per
 * session, so the whole path (parse → group by `blk_…` → next-key model) can be scored later with
 * the same shared evaluator (`logwarden analyze --session-key`, not written yet).
 *
 * Assumption: DeepLog's log key k (1..28) is LogHub's event E<k> of HDFS_templates.csv. Not stated
 * in SOURCE.md; it is what the data shows: every normal session has exactly one key 22 (E22,
 * allocateBlock) and keys 5, 11, 9, 26 come in threes (E5 Receiving block, E11 PacketResponder
 * terminating, E9 Received block, E26 addStoredBlock: one per replica), then 23 and 21 (E23 delete
 * → invalidSet, E21 Deleting block file). E29 and E30 are never used.
 *
 * Run alone: npx tsx bench/detect/hdfs-raw-lines.ts
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { HDFS_OUT, splitHdfs } from "./hdfs-sessions.js";

const TEMPLATES = fileURLToPath(
  new URL("../../../shared/datasets/loghub-2k/HDFS/HDFS_templates.csv", import.meta.url),
);
/** Sessions written side by side, so grouping by block id has real interleaving to undo. */
const INTERLEAVE = 8;
const START_MS = Date.UTC(2008, 10, 9, 20, 36, 15);

type Split = "train" | "test";

/** The block id of session `index` of a split; ids never collide across splits. */
export function blockIdFor(split: Split, index: number): string {
  return split === "train" ? `blk_${1_000_000_000 + index}` : `blk_-${2_000_000_000 + index}`;
}

function loadTemplates(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(TEMPLATES, "utf8").split(/\r?\n/).slice(1)) {
    const comma = line.indexOf(",");
    if (comma > 0) out.set(line.slice(0, comma), line.slice(comma + 1));
  }
  return out;
}

/** Text right before a placeholder that marks it as the block id's place. */
const BLOCK_SLOT =
  /(block|Block|for|allocateBlock:|delete:|updated:|replicate|transfer|writeBlock|serving)\s*$/;
const HOST_SLOT = /(src:|dest:|to|from|on|of|ask)\s*$/;

/** Fills a LogHub template: the block id in its slot (else the first inner placeholder), hosts, sizes. */
function render(template: string, block: string, n: number): string {
  const parts = template.split("<*>");
  let blockPlaced = false;
  const slotFor = (before: string, i: number): string => {
    if (i === 0) return ""; // LogHub's leading <*> stands for the header
    const last = i === parts.length - 2;
    if (!blockPlaced && (BLOCK_SLOT.test(before) || last)) {
      blockPlaced = true;
      return block;
    }
    if (/size\s*$/.test(before)) return String(67_108_864 - (n % 7) * 1024);
    if (HOST_SLOT.test(before)) return `/10.250.${n % 19}.${(n * 7) % 251}:50010`;
    if (/file\s*$/.test(before)) return `/mnt/hadoop/dfs/data/current/subdir${n % 64}/${block}`;
    // "NameSystem<*>allocateBlock" is "NameSystem.allocateBlock"; other trailing <*> are empty.
    if (before.endsWith("NameSystem") || (last && parts[i + 1] === "")) return "";
    return String(n % 3);
  };
  let text = parts[0]!;
  for (let i = 1; i < parts.length; i++) text += ` ${slotFor(parts[i - 1]!, i - 1)} ${parts[i]}`;
  if (!blockPlaced) text += ` ${block}`;
  return text.replace(/\s+/g, " ").trim();
}

function component(template: string): string {
  return template.includes("NameSystem") || template.includes("BLOCK*") ? "dfs.FSNamesystem" : "dfs.DataNode";
}

/** HDFS_v1 header: yyMMdd HHmmss pid LEVEL component: content. */
export function header(ms: number, pid: number, level: string, comp: string): string {
  const iso = new Date(ms).toISOString();
  const date = `${iso.slice(2, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
  const time = `${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  return `${date} ${time} ${pid} ${level} ${comp}:`;
}

function renderSplit(split: Split, sessions: readonly string[][], templates: Map<string, string>): string[] {
  const lines: string[] = [];
  let clock = START_MS;
  for (let g = 0; g < sessions.length; g += INTERLEAVE) {
    const group = sessions.slice(g, g + INTERLEAVE);
    const longest = Math.max(...group.map((s) => s.length));
    for (let step = 0; step < longest; step++)
      group.forEach((keys, j) => {
        const key = keys[step];
        if (key === undefined) return;
        const template = templates.get(`E${key}`);
        if (template === undefined) throw new Error(`no LogHub template E${key}`);
        const n = g + j + step;
        const level = /exception|Exception|error|Failed|timed out/.test(template) ? "WARN" : "INFO";
        const content = render(template, blockIdFor(split, g + j), n);
        lines.push(`${header(clock, 100 + (n % 50), level, component(template))} ${content}`);
        clock += 1000;
      });
  }
  return lines;
}

/** Writes raw_train.log and raw_test.log (test in the scorer's order) under bench/.out/hdfs/. */
export function writeHdfsRawLines(): { train: string; test: string; testBlocks: string[] } {
  if (!existsSync(`${HDFS_OUT}test_sessions.txt`)) splitHdfs();
  const read = (name: string) =>
    readFileSync(`${HDFS_OUT}${name}`, "utf8")
      .split("\n")
      .map((l) => l.split(/\s+/).filter((t) => t !== ""))
      .filter((s) => s.length > 0);
  const templates = loadTemplates();
  const train = `${HDFS_OUT}raw_train.log`;
  const test = `${HDFS_OUT}raw_test.log`;
  const testSessions = read("test_sessions.txt");
  writeFileSync(train, `${renderSplit("train", read("train_sessions.txt"), templates).join("\n")}\n`);
  writeFileSync(test, `${renderSplit("test", testSessions, templates).join("\n")}\n`);
  return { train, test, testBlocks: testSessions.map((_, i) => blockIdFor("test", i)) };
}

/**
 * Maps per-session results (block id → anomalous) back to the scorer's 0/1 file, in test order.
 * A test block with no result counts as not flagged, and is reported so it is not silently lost.
 */
export function writePredictionsFromSessions(
  results: ReadonlyMap<string, boolean>,
  testCount: number,
  path = `${HDFS_OUT}pred-raw.txt`,
): { path: string; missing: number } {
  let missing = 0;
  const lines: string[] = [];
  for (let i = 0; i < testCount; i++) {
    const flagged = results.get(blockIdFor("test", i));
    if (flagged === undefined) missing++;
    lines.push(flagged ? "1" : "0");
  }
  writeFileSync(path, `${lines.join("\n")}\n`);
  return { path, missing };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = writeHdfsRawLines();
  console.log(`wrote ${out.train} and ${out.test} (${out.testBlocks.length} test blocks)`);
}
