import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { FakeClock } from "../../src/core/clock.js";
import type { Detector } from "../../src/core/detector.js";
import { type LogRecord, type ParsedRecord, serviceOf } from "../../src/core/log-record.js";
import { createDetectors, detectorNames } from "../../src/detectors/registry.js";
import { decodeLine } from "../../src/parsers/decoders/index.js";
import { DrainMiner } from "../../src/parsers/drain/index.js";
import { Processor } from "../../src/pipeline/processor.js";

/**
 * A rolled-back batch must leave every stage as if it had never run. Two copies of each stage see the
 * same batches; before two batches in three one copy also takes a batch from later in the corpus (known
 * users, hosts, sessions and templates, new ones too, times ahead) and rolls it back. From then on both copies must
 * answer alike, batch after batch, and end with the same exported state.
 */
const DATASETS = "../shared/datasets/loghub-2k";
const BATCH = 40;
/** How far ahead the rolled-back batch comes from: the next one (the same open sessions and windows) or a later one. */
const AHEAD = [1, 7];

function lines(file: string, take: number): string[] {
  return readFileSync(`${DATASETS}/${file}`, "utf8").split("\n").filter(Boolean).slice(0, take);
}

/**
 * Real auth, kernel, HDFS and application lines, interleaved, plus what the other detectors look for: a
 * WiFi deauthentication storm, sudo to root, and error bursts in a JSON service.
 */
function corpus(): LogRecord[] {
  const sources = [
    lines("OpenSSH/OpenSSH_2k.log", 900),
    lines("Linux/Linux_2k.log", 700),
    hdfsSessions(120),
    Array.from({ length: 300 }, (_, i) =>
      i % 3 === 0
        ? `Mar  3 10:${String(10 + Math.floor(i / 30)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")} ap-${i % 4} hostapd: wlan0: STA 00:11:22:33:44:${String(i % 50).padStart(2, "0")} IEEE 802.11: deauthenticated due to local deauth request`
        : `Mar  3 10:${String(10 + Math.floor(i / 30)).padStart(2, "0")}:${String(i % 60).padStart(2, "0")} ap-${i % 4} hostapd: wlan0: STA 00:11:22:33:44:${String(i % 50).padStart(2, "0")} WPA: pairwise key handshake completed (RSN)`,
    ),
    Array.from({ length: 360 }, (_, i) => {
      const t = new Date(Date.parse("2026-03-03T11:00:00Z") + i * 15_000).toISOString().slice(11, 19);
      const user = `user${i % 7}`;
      const head = `Mar  3 ${t} web-${i % 3}`;
      switch (i % 6) {
        case 0:
          return `${head} sudo:   ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=/bin/systemctl restart nginx`;
        case 4:
          return `${head} sshd[${4000 + i}]: Accepted password for ${user} from 10.1.${i % 5}.${i % 200} port ${40000 + i} ssh2`;
        case 5:
          return `${head} sshd[${4000 + i}]: Failed password for invalid user admin from 203.0.113.${i % 9} port ${40000 + i} ssh2`;
        default:
          return `${head} sshd[${4000 + i}]: Failed password for ${user} from 10.1.${i % 5}.${i % 200} port ${40000 + i} ssh2`;
      }
    }),
    Array.from({ length: 400 }, (_, i) =>
      JSON.stringify({
        timestamp: new Date(Date.parse("2026-03-03T12:00:00Z") + i * 500).toISOString(),
        service: `svc-${i % 3}`,
        level: i % 40 < 12 ? "ERROR" : "INFO",
        message:
          i % 40 < 12 ? `upstream ${i % 4} timed out after ${i} ms` : `request ${i} served in ${i % 90} ms`,
        user: `u${i % 9}`,
      }),
    ),
  ];
  const out: LogRecord[] = [];
  for (let i = 0; out.length < sources.reduce((n, s) => n + s.length, 0); i++)
    for (const s of sources)
      if (i < s.length) out.push(decodeLine(s[i]!, { observedAt: "2026-03-03T12:00:00Z" }));
  return out;
}

/**
 * HDFS-like block sessions (the sequence detector's input): a block is written, replicated, stored and
 * sometimes deleted over 25 s, a new one starts every 4 s, and after the first 40 one in nine skips a step
 * or fails.
 */
function hdfsSessions(blocks: number): string[] {
  const events: [number, string][] = [];
  for (let k = 0; k < blocks; k++) {
    const blk = `blk_${-7_000_000 + k * 7919}`;
    const ip = `10.250.${k % 7}.${(k * 13) % 250}`;
    const steps: [number, string][] = [
      [
        0,
        `INFO dfs.DataNode$DataXceiver: Receiving block ${blk} src: /${ip}:5${k % 1000} dest: /${ip}:50010`,
      ],
      [
        2,
        `INFO dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/root/rand/_temporary/part-${k}. ${blk}`,
      ],
      [5, `INFO dfs.DataNode$PacketResponder: PacketResponder ${k % 3} for block ${blk} terminating`],
      [9, `INFO dfs.DataNode$PacketResponder: Received block ${blk} of size 67108864 from /${ip}`],
      [
        14,
        `INFO dfs.FSNamesystem: BLOCK* NameSystem.addStoredBlock: blockMap updated: ${ip}:50010 is added to ${blk} size 67108864`,
      ],
    ];
    if (k % 3 === 0)
      steps.push([
        25,
        `INFO dfs.FSDataset: Deleting block ${blk} file /mnt/hadoop/dfs/data/current/subdir${k % 60}/${blk}`,
      ]);
    if (k >= 40 && k % 9 === 4) steps.splice(2, 1);
    if (k >= 40 && k % 9 === 7)
      steps.splice(3, 0, [
        7,
        `WARN dfs.DataNode$DataXceiver: writeBlock ${blk} received exception java.io.IOException: Connection reset by peer`,
      ]);
    for (const [dt, text] of steps) events.push([4 * k + dt, text]);
  }
  events.sort((a, b) => a[0] - b[0]);
  const start = Date.parse("2008-11-09T20:00:00Z");
  return events.map(([t, text], i) => {
    const d = new Date(start + t * 1000).toISOString();
    return `081109 ${d.slice(11, 13)}${d.slice(14, 16)}${d.slice(17, 19)} ${100 + (i % 300)} ${text}`;
  });
}

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
  return out;
}

const env = {
  NEW_TEMPLATE_WARMUP_RECORDS: "100",
  NEW_TEMPLATE_WARMUP_SECS: "0",
  SEQUENCE_ENABLED: "true",
  SEQUENCE_SESSION_KEY: "regex:blk_-?[0-9]+",
  SEQUENCE_WARMUP_SESSIONS: "20",
  SEQUENCE_IDLE_TIMEOUT_SECS: "30",
  WINDOW_FOREST_ENABLED: "true",
  WINDOW_FOREST_WARMUP_WINDOWS: "3",
  WINDOW_FOREST_RETRAIN_WINDOWS: "3",
};

/** The corpus as the pipeline hands it to detectors: mined once, in order, ids as the store gives them. */
function parsedBatches(): ParsedRecord[][] {
  const processor = new Processor(new DrainMiner(), []);
  return batches(corpus()).map((b, i) => processor.mine(b, 1 + i * BATCH));
}

/** The same records as a batch that never reached the store: other ids. */
function foreign(batch: readonly ParsedRecord[]): ParsedRecord[] {
  return batch.map((r) => ({ ...r, id: 1_000_000 + r.id }));
}

describe("a rolled-back batch leaves no trace", () => {
  const all = parsedBatches();
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
    const records = batches(corpus());
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
