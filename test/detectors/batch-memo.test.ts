import { describe, expect, it } from "vitest";
import { FakeClock } from "../../src/core/clock.js";
import type { ParsedRecord } from "../../src/core/log-record.js";
import { authEventOf, authEventsOf } from "../../src/detectors/auth/auth-event.js";
import { BatchMemo, recordTimes } from "../../src/detectors/batch-memo.js";
import { madSigma, median } from "../../src/detectors/volume-baseline.js";
import { lineAt } from "./records.js";

const LINES = [
  "Mar  1 03:14:07 bastion sshd[2211]: Failed password for invalid user admin from 203.0.113.9 port 52144 ssh2",
  "Mar  1 03:14:10 bastion sshd[2214]: message repeated 5 times: [ Failed password for root from 198.51.100.23 port 40022 ssh2]",
  "Mar  1 08:01:55 bastion sshd[3001]: Accepted publickey for alice from 10.20.4.17 port 51514 ssh2: RSA SHA256:Jx4Q",
  "Mar  1 03:14:07 bastion sshd[2211]: pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=203.0.113.9  user=root",
  "Mar  1 10:12:01 web1 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx",
  "Mar  1 10:15:02 web1 su[4410]: pam_unix(su:session): session opened for user root(uid=0) by dave(uid=1004)",
  "Mar  1 10:15:02 web1 su[4410]: (to root) dave on pts/2",
  "Mar  1 10:15:03 web1 app[1]: sshd[12]: Failed password for bob from 192.0.2.1 port 22 ssh2",
  "Mar  1 03:14:12 bastion sshd[2211]: Connection closed by invalid user admin 203.0.113.9 port 52144 [preauth]",
  "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
  "17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]",
  '{"message":"login","event_type":"login","action":"failed","user":"eve","source_ip":"198.51.100.7"}',
  '{"message":"sudo","event_type":"sudo","action":"success","user":"eve","target_user":"root"}',
];

describe("BatchMemo", () => {
  it("derives each record's value once per batch, and again for another array or changed records", () => {
    const clock = new FakeClock("2026-03-01T00:00:00Z");
    const batch = LINES.map((line) => {
      clock.advance(1000);
      return lineAt(clock, line);
    });
    let derived = 0;
    const memo = new BatchMemo<ParsedRecord, string, number>(
      (r) => r.timestamp,
      (r) => {
        derived++;
        return Date.parse(r.timestamp);
      },
    );
    const first = memo.of(batch);
    expect(first).toEqual(batch.map((r) => Date.parse(r.timestamp)));
    expect(memo.of(batch)).toBe(first);
    expect(derived).toBe(batch.length);

    // The same array with a record replaced, or a record given another time: derived again.
    const replaced = { ...batch[3]!, timestamp: "2026-03-02T00:00:00.000Z" };
    batch[3] = replaced;
    expect(memo.of(batch)[3]).toBe(Date.parse("2026-03-02T00:00:00.000Z"));
    replaced.timestamp = "2026-03-03T00:00:00.000Z";
    expect(memo.of(batch)[3]).toBe(Date.parse("2026-03-03T00:00:00.000Z"));
    // A copy of the array holding the same records is another batch.
    expect(memo.of([...batch])).toEqual(memo.of(batch));
    expect(recordTimes.of(batch)).toEqual(batch.map((r) => Date.parse(r.timestamp)));
  });

  it("finds a batch's auth events as authEventOf finds each record's, and reads none into other lines", () => {
    const clock = new FakeClock("2026-03-01T00:00:00Z");
    const batch = LINES.map((line) => lineAt(clock, line));
    const events = authEventsOf(batch);
    expect(events).toEqual(batch.map((r) => authEventOf(r)));
    // Every auth form above is read; the HDFS, Spark and `Connection closed` lines are none.
    expect(events.map((e) => e?.kind ?? null)).toEqual([
      "login",
      "login",
      "login",
      "login",
      "escalation",
      "escalation",
      "escalation",
      "login",
      null,
      null,
      null,
      "login",
      "escalation",
    ]);
  });
});

describe("median and madSigma", () => {
  const byComparator = (values: readonly number[]) => {
    if (values.length === 0) return 0;
    const s = [...values].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };

  it("equal the comparator sort's, NaN, -0 and infinities included", () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const special = [Number.NaN, -0, 0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5, 3];
    for (let t = 0; t < 2_000; t++) {
      const n = Math.floor(random() * 60);
      const values = Array.from({ length: n }, () =>
        random() < 0.05 ? special[Math.floor(random() * special.length)]! : Math.floor(random() * 40),
      );
      const center = byComparator(values);
      expect(Object.is(median(values), byComparator(values))).toBe(true);
      expect(
        Object.is(madSigma(values, center), 1.4826 * byComparator(values.map((v) => Math.abs(v - center)))),
      ).toBe(true);
    }
  });
});
