import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateAuthLog } from "../../bench/detect/auth-log-generator.js";
import type { LogRecord, ParsedRecord } from "../../src/core/log-record.js";
import { decodeLine } from "../../src/parsers/decoders/index.js";
import { DrainMiner } from "../../src/parsers/drain/index.js";
import { Processor } from "../../src/pipeline/processor.js";
import { LOGHUB_DIR } from "./loghub.js";

// A stream that reaches every registered detector and the miner: real LogHub lines (OpenSSH, Linux;
// test/fixtures/loghub-2k, SOURCE.md there) interleaved with what the other detectors look for.
// Shared by the undo tests and the conformance suites, so both judge the stages on the same input.

/** When the records were received; RFC 3164 lines (no year) are read relative to it. */
export const OBSERVED_AT = "2026-03-03T12:00:00Z";

/**
 * Config that switches on the detectors that are off by default (sequence, window forest) and shortens
 * warm-ups so that each one judges, not only learns, within the corpus.
 */
export const DETECTION_ENV = {
  NEW_TEMPLATE_WARMUP_RECORDS: "100",
  NEW_TEMPLATE_WARMUP_SECS: "0",
  SEQUENCE_ENABLED: "true",
  SEQUENCE_SESSION_KEY: "regex:blk_-?[0-9]+",
  SEQUENCE_WARMUP_SESSIONS: "20",
  SEQUENCE_IDLE_TIMEOUT_SECS: "30",
  WINDOW_FOREST_ENABLED: "true",
  WINDOW_FOREST_WARMUP_WINDOWS: "3",
  WINDOW_FOREST_RETRAIN_WINDOWS: "3",
  // The JSON services' errors come about 12 a minute each: bursts at 10, none at the default 20.
  ERROR_BURST_THRESHOLD: "10",
  // Streams here have hundreds of records, not the default 10,000 before rarity is judged.
  RARE_TEMPLATE_WARMUP_RECORDS: "300",
  RARE_TEMPLATE_RETRAIN_RECORDS: "300",
  RARE_TEMPLATE_PERCENTILE: "5",
  PRIVILEGE_ESCALATION_WARMUP_SECS: "1800",
  // The shipped Sigma rules (brute force, spraying, success after failures as detection + correlation
  // rules), which the sigma detector only runs with a rules folder.
  SIGMA_RULES_DIR: fileURLToPath(new URL("../../rules", import.meta.url)),
};

function lines(file: string, take: number): string[] {
  return readFileSync(join(LOGHUB_DIR, file), "utf8").split("\n").filter(Boolean).slice(0, take);
}

/**
 * Real auth, kernel, HDFS and application lines, interleaved, plus what the other detectors look for: a
 * WiFi deauthentication storm, sudo to root, error bursts and a crashing worker in a JSON service. With `authWeek`, also
 * four seeded days of an organisation's logins (bench/detect/auth-log-generator.ts: habits, roaming, trips,
 * brute force, spraying, compromises), so the security detectors build profiles over days.
 */
export function corpus(options: { authWeek?: boolean } = {}): LogRecord[] {
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
        // Now and then a worker dies (FATAL): what severe_events judges from the first line.
        level: i % 25 === 7 ? "FATAL" : i % 40 < 12 ? "ERROR" : "INFO",
        message:
          i % 25 === 7
            ? `worker ${i % 3} crashed: out of memory`
            : i % 40 < 12
              ? `upstream ${i % 4} timed out after ${i} ms`
              : `request ${i} served in ${i % 90} ms`,
        user: `u${i % 9}`,
      }),
    ),
  ];
  if (options.authWeek) {
    sources.push(generateAuthLog({ users: 24, days: 4, start: "2026-01-05T00:00:00Z", seed: 7 }).lines);
    sources.push(escalations(80));
    sources.push(deauthStorm(60));
    sources.push(dayWorker());
  }
  const out: LogRecord[] = [];
  for (let i = 0; out.length < sources.reduce((n, s) => n + s.length, 0); i++)
    for (const s of sources) if (i < s.length) out.push(decodeLine(s[i]!, { observedAt: OBSERVED_AT }));
  return out;
}

/**
 * sudo on a database host, one line every 2 minutes: two admins to root every time; past the hour a
 * colleague becomes `postgres` for the first time and another fails three passwords.
 */
function escalations(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const t = new Date(Date.parse("2026-01-07T09:00:00Z") + i * 120_000).toISOString().slice(11, 19);
    const head = `Jan  7 ${t} db-1 sudo:`;
    if (i >= 40 && i % 10 === 3)
      return `${head}   carol : TTY=pts/2 ; PWD=/home/carol ; USER=postgres ; COMMAND=/usr/bin/psql`;
    if (i >= 40 && i % 10 === 7)
      return `${head}   mallory : 3 incorrect password attempts ; TTY=pts/3 ; PWD=/home/mallory ; USER=root ; COMMAND=/bin/bash`;
    const user = i % 2 === 0 ? "alice" : "bob";
    return `${head}   ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=/usr/bin/systemctl restart postgresql`;
  });
}

/** Forty office-hours logins of one user over five days, then one at 03:10. */
function dayWorker(): string[] {
  const at = (day: number, hour: number, minute: number) =>
    `Jan ${String(5 + day).padStart(2, " ")} ${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}:00`;
  const lines = Array.from({ length: 40 }, (_, i) => {
    const [day, hour] = [Math.floor(i / 8), 9 + (i % 8)];
    return `${at(day, hour, (i * 7) % 60)} bastion-3 sshd[${7000 + i}]: Accepted password for dana from 10.30.0.5 port ${50000 + i} ssh2`;
  });
  lines.push(
    `${at(5, 3, 10)} bastion-3 sshd[7999]: Accepted password for dana from 10.30.0.5 port 50999 ssh2`,
  );
  return lines;
}

/** An access point kicking the same six stations off again and again, two events a second. */
function deauthStorm(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const t = new Date(Date.parse("2026-01-08T14:00:00Z") + i * 500).toISOString().slice(11, 19);
    return `Jan  8 ${t} ap-lobby hostapd: wlan0: STA 66:55:44:33:22:1${i % 6} IEEE 802.11: deauthenticated due to local deauth request`;
  });
}

/**
 * HDFS-like block sessions (the sequence detector's input): a block is written, replicated, stored and
 * sometimes deleted over 25 s, a new one starts every 4 s, and after the first 40 one in nine skips a step
 * or fails.
 */
export function hdfsSessions(blocks: number): string[] {
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

export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The corpus as the pipeline hands it to detectors: mined once, in order, ids as the store gives them. */
export function parsedBatches(records: readonly LogRecord[], size: number): ParsedRecord[][] {
  const processor = new Processor(new DrainMiner(), []);
  return batches(records, size).map((b, i) => processor.mine(b, 1 + i * size));
}

/** The same records as a batch that never reached the store: other ids. */
export function foreign(batch: readonly ParsedRecord[]): ParsedRecord[] {
  return batch.map((r) => ({ ...r, id: 1_000_000 + r.id }));
}
