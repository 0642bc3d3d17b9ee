/**
 * Renders the HDFS benchmark's key sessions as raw lines that look like the real HDFS_v1 log, unlike
 * `hdfs-raw-lines.ts` (eight blocks interleaved, one line a second, LogHub's template text):
 *
 * - thousands of blocks open at once: sessions arrive in job-like waves (a job allocates hundreds of
 *   blocks within seconds), each block's writes finish seconds to minutes later, and its deletion
 *   (E23 … E21) comes tens of minutes later, as in the real log;
 * - each event has its real component and level (`dfs.DataNode$PacketResponder`, `dfs.FSNamesystem`,
 *   `dfs.FSDataset`, …; WARN for exceptions) and real-looking text: 64-bit block ids, per-block sizes
 *   (67108864 mostly, smaller last blocks), task paths, data-dir paths, `10.251.x.y:50010` datanodes,
 *   client ports, PacketResponder 0–2, and several exception texts per error event;
 * - second-resolution HDFS_v1 headers (`081109 203615 148 INFO dfs.DataNode$PacketResponder: …`).
 *
 * Key k is LogHub's event E<k> (see the comment at the top of hdfs-raw-lines.ts). Seeded: the same
 * files on every run. Block ids map back to session indexes through the returned `testBlocks`.
 *
 * Run alone: npx tsx bench/detect/hdfs-realistic-lines.ts
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { header } from "./hdfs-raw-lines.js";
import { HDFS_OUT, rng, splitHdfs } from "./hdfs-sessions.js";

const START_MS = Date.UTC(2008, 10, 9, 20, 30, 0);
const SECOND = 1000;
const MINUTE = 60 * SECOND;

type Rand = () => number;
type Split = "train" | "test";

/** What stays fixed for one block across its lines: its id, file, size, replicas, client. */
interface Block {
  id: string;
  path: string;
  size: number;
  nodes: string[];
  client: string;
  dataDir: string;
}

const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
const node = (r: Rand) => `10.${pick(r, [250, 251])}.${int(r, 0, 255)}.${int(r, 1, 254)}`;
const port = (r: Rand) => int(r, 32_768, 60_999);

/** A signed 19-digit block id, as HDFS prints them; unique per split and index. */
function blockId(r: Rand, split: Split, index: number): string {
  const sign = r() < 0.5 ? "-" : "";
  const high = int(r, 100, 922);
  const middle = String(int(r, 0, 999_999_999)).padStart(9, "0");
  // The split digit keeps train and test ids apart, the index keeps ids within a split apart.
  return `blk_${sign}${high}${middle}${split === "train" ? 1 : 2}${String(index).padStart(6, "0")}`;
}

function socketText(r: Rand, b: Block): string {
  return `java.nio.channels.SocketChannel[connected local=/${b.nodes[0]}:50010 remote=/${b.nodes[1]}:${port(r)}]`;
}

/** Exception texts seen in HDFS logs, in their usual forms (lengths differ, as they do for real). */
function exception(r: Rand, b: Block): string {
  return pick(r, [
    () => "java.io.IOException: Connection reset by peer",
    () => "java.io.IOException: Broken pipe",
    () => "java.io.EOFException",
    () => "java.io.IOException: Could not read from stream",
    () =>
      `java.io.InterruptedIOException: Interruped while waiting for IO on channel ${socketText(r, b)}. ${int(r, 0, 60_000)} millis timeout left.`,
    () =>
      `java.net.SocketTimeoutException: 480000 millis timeout while waiting for channel to be ready for write. ch : ${socketText(r, b)}`,
  ])();
}

/** One line's component, level and content for key k of a block. */
function event(k: number, b: Block, r: Rand): [string, string, string] {
  const [n0, n1, n2] = b.nodes as [string, string, string];
  const responder = int(r, 0, 2);
  const x = b.id;
  switch (k) {
    case 1:
      return ["dfs.FSDataset", "WARN", `Adding an already existing block ${x}`];
    case 2:
      return ["dfs.DataBlockScanner", "INFO", `Verification succeeded for ${x}`];
    case 3:
      return ["dfs.DataNode$DataXceiver", "INFO", `${n0}:50010 Served block ${x} to /${node(r)}`];
    case 4:
      return [
        "dfs.DataNode$DataXceiver",
        "WARN",
        `${n0}:50010:Got exception while serving ${x} to /${node(r)}:`,
      ];
    case 5:
      return [
        "dfs.DataNode$DataXceiver",
        "INFO",
        `Receiving block ${x} src: /${b.client}:${port(r)} dest: /${n0}:50010`,
      ];
    case 6:
      return [
        "dfs.DataNode$DataXceiver",
        "INFO",
        `Received block ${x} src: /${b.client}:${port(r)} dest: /${n0}:50010 of size ${b.size}`,
      ];
    case 7:
      return [
        "dfs.DataNode$DataXceiver",
        "WARN",
        `${n1}:50010:writeBlock ${x} received exception ${exception(r, b)}`,
      ];
    case 8:
      return [
        "dfs.DataNode$PacketResponder",
        "INFO",
        `PacketResponder ${responder} for block ${x} Interrupted.`,
      ];
    case 9:
      return [
        "dfs.DataNode$PacketResponder",
        "INFO",
        `Received block ${x} of size ${b.size} from /${pick(r, b.nodes)}`,
      ];
    case 10:
      return [
        "dfs.DataNode$PacketResponder",
        "WARN",
        `PacketResponder ${x} ${responder} Exception ${exception(r, b)}`,
      ];
    case 11:
      return [
        "dfs.DataNode$PacketResponder",
        "INFO",
        `PacketResponder ${responder} for block ${x} terminating`,
      ];
    case 12:
      return [
        "dfs.DataNode$DataXceiver",
        "INFO",
        `${n1}:50010:Exception writing block ${x} to mirror ${n2}:50010`,
      ];
    case 13:
      return ["dfs.DataNode", "INFO", `Receiving empty packet for block ${x}`];
    case 14:
      return ["dfs.DataNode", "INFO", `Exception in receiveBlock for block ${x} ${exception(r, b)}`];
    case 15:
      return [
        "dfs.DataNode",
        "INFO",
        `Changing block file offset of block ${x} from ${int(r, 0, 9) * 65_536} to ${int(r, 1, 900) * 65_536} meta file offset to ${int(r, 7, 55_000)}`,
      ];
    case 16:
      return ["dfs.DataNode$DataTransfer", "INFO", `${n0}:50010:Transmitted block ${x} to /${node(r)}:50010`];
    case 17:
      return [
        "dfs.DataNode",
        "WARN",
        `${n0}:50010:Failed to transfer ${x} to ${node(r)}:50010 got ${exception(r, b)}`,
      ];
    case 18:
      return [
        "dfs.DataNode",
        "INFO",
        `${n0}:50010 Starting thread to transfer block ${x} to ${node(r)}:50010`,
      ];
    case 19:
      return ["dfs.FSDataset", "INFO", `Reopen Block ${x}`];
    case 20:
      return [
        "dfs.FSDataset",
        "WARN",
        `Unexpected error trying to delete block ${x}. BlockInfo not found in volumeMap.`,
      ];
    case 21:
      return ["dfs.FSDataset", "INFO", `Deleting block ${x} file ${b.dataDir}/${x}`];
    case 22:
      return ["dfs.FSNamesystem", "INFO", `BLOCK* NameSystem.allocateBlock: ${b.path} ${x}`];
    case 23:
      return [
        "dfs.FSNamesystem",
        "INFO",
        `BLOCK* NameSystem.delete: ${x} is added to invalidSet of ${pick(r, b.nodes)}:50010`,
      ];
    case 24:
      return [
        "dfs.FSNamesystem",
        "INFO",
        `BLOCK* Removing block ${x} from neededReplications as it does not belong to any file.`,
      ];
    case 25:
      return [
        "dfs.FSNamesystem",
        "INFO",
        `BLOCK* ask ${n0}:50010 to replicate ${x} to datanode(s) ${node(r)}:50010`,
      ];
    case 26:
      return [
        "dfs.FSNamesystem",
        "INFO",
        `BLOCK* NameSystem.addStoredBlock: blockMap updated: ${pick(r, b.nodes)}:50010 is added to ${x} size ${b.size}`,
      ];
    case 27:
      return [
        "dfs.FSNamesystem",
        "INFO",
        `BLOCK* NameSystem.addStoredBlock: Redundant addStoredBlock request received for ${x} on ${pick(r, b.nodes)}:50010 size ${b.size}`,
      ];
    case 28:
      return [
        "dfs.FSNamesystem",
        "INFO",
        `BLOCK* NameSystem.addStoredBlock: addStoredBlock request received for ${x} on ${pick(r, b.nodes)}:50010 size ${b.size} But it does not belong to any file.`,
      ];
    default:
      throw new Error(`no rendering for key ${k}`);
  }
}

/** Time (ms) from the previous key of the block to key k: writes take seconds, deletions come late. */
function delay(k: number, previous: number | undefined, r: Rand): number {
  if (previous === undefined) return 0;
  const writeDone = k === 9 || k === 11 || k === 26;
  if (writeDone) return previous === 5 ? int(r, 2 * SECOND, 3 * MINUTE) : int(r, 0, 2 * SECOND);
  if (k === 5) return int(r, 0, 800);
  if (k === 23) return previous === 23 ? int(r, 0, 300) : int(r, 10 * MINUTE, 50 * MINUTE);
  if (k === 21) return previous === 23 ? int(r, 1 * SECOND, 30 * SECOND) : int(r, 0, 3 * SECOND);
  return int(r, 0, 60 * SECOND);
}

/** Where a job writes: the first blocks of a job are its job files, the rest task outputs. */
function jobPath(r: Rand, job: number, indexInJob: number, dir: string): string {
  const stamp = `200811092030_${String(job).padStart(4, "0")}`;
  if (indexInJob < 3)
    return `/mnt/hadoop/mapred/system/job_${stamp}/${pick(r, ["job.jar", "job.split", "job.xml"])}`;
  const task = String(indexInJob - 3).padStart(6, "0");
  const kind = pick(r, ["m", "r"]);
  return `/user/root/${dir}/_temporary/_task_${stamp}_${kind}_${task}_0/part-${task.slice(1)}.`;
}

interface Timed {
  at: number;
  seq: number;
  pid: number;
  key: string;
  event: [component: string, level: string, content: string];
}

function renderSplit(
  split: Split,
  sessions: readonly string[][],
  seed: number,
): { lines: string[]; keys: string[]; ids: string[] } {
  const r = rng(seed);
  // Jobs mix sessions: shuffle the order in which blocks are allocated (ids still follow the index).
  const order = sessions.map((_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const ids = sessions.map((_, i) => blockId(r, split, i));
  const out: Timed[] = [];
  let jobStart = START_MS;
  let job = split === "train" ? 1 : 500;
  let inJob = 0;
  let jobSize = 0;
  let dir = "rand";
  let seq = 0;
  for (const index of order) {
    if (inJob >= jobSize) {
      job++;
      inJob = 0;
      jobSize = int(r, 100, 800);
      jobStart += int(r, 20 * SECOND, 4 * MINUTE);
      dir = pick(r, ["rand", "randtxt", "sortrand", "sortrand2", "rand2"]);
    }
    const size = r() < 0.9 ? 67_108_864 : int(r, 1024, 67_108_863);
    const block: Block = {
      id: ids[index]!,
      path: jobPath(r, job, inJob, dir),
      size,
      nodes: [node(r), node(r), node(r)],
      client: node(r),
      dataDir: `/mnt/hadoop/dfs/data/current/subdir${int(r, 0, 63)}`,
    };
    let at = jobStart + int(r, 0, 10 * SECOND);
    let previous: number | undefined;
    for (const key of sessions[index]!) {
      const k = Number(key);
      // At least 1 ms apart, so a block's lines keep their order when the file is sorted by time.
      at += Math.max(1, delay(k, previous, r));
      previous = k;
      out.push({ at, seq: seq++, pid: int(r, 13, 30_000), key, event: event(k, block, r) });
    }
    inJob++;
  }
  out.sort((a, b) => a.at - b.at || a.seq - b.seq);
  const lines = out.map(({ at, pid, event: [component, level, content] }) => {
    return `${header(at, pid, level, component)} ${content}`;
  });
  return { lines, keys: out.map((t) => t.key), ids };
}

const readSessions = (name: string) =>
  readFileSync(`${HDFS_OUT}${name}`, "utf8")
    .split("\n")
    .map((l) => l.split(/\s+/).filter((t) => t !== ""))
    .filter((s) => s.length > 0);

export interface RenderedHdfs {
  train: string;
  test: string;
  /** Test session i's block id. */
  testBlocks: string[];
  /** The true key of every line, in file order (for the diagnosis, never given to the product). */
  trainKeys: string[];
  testKeys: string[];
}

/** Writes realistic_train.log and realistic_test.log under bench/.out/hdfs/. */
export function writeHdfsRealisticLines(): RenderedHdfs {
  if (!existsSync(`${HDFS_OUT}test_sessions.txt`)) splitHdfs();
  const train = `${HDFS_OUT}realistic_train.log`;
  const test = `${HDFS_OUT}realistic_test.log`;
  const t = renderSplit("train", readSessions("train_sessions.txt"), 9001);
  const s = renderSplit("test", readSessions("test_sessions.txt"), 9002);
  writeFileSync(train, `${t.lines.join("\n")}\n`);
  writeFileSync(test, `${s.lines.join("\n")}\n`);
  return { train, test, testBlocks: s.ids, trainKeys: t.keys, testKeys: s.keys };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = writeHdfsRealisticLines();
  console.log(`wrote ${out.train} and ${out.test} (${out.testBlocks.length} test blocks)`);
}
