import { describe, expect, it, vi } from "vitest";
import { DrainMiner } from "../../src/parsers/drain/index.js";
import { LineScanner } from "../../src/parsers/drain/scan.js";
import { WINDOW_CHARS } from "../../src/parsers/drain/skeleton.js";
import { splitHeader } from "../../src/parsers/header.js";
import { RawLineMiner, textLines } from "../../src/parsers/raw-line-miner.js";
import { loghubLines } from "../helpers/loghub.js";
import { itOnRedrawnDigits } from "../helpers/redrawn-digits.js";

/**
 * RawLineMiner puts a whole-line skeleton memo in front of splitHeader + DrainMiner.add. It must
 * change no result: each case runs the same lines through both and compares every header, every match
 * and the miner's saved state.
 */

function expectSame(lines: readonly string[], readTime: boolean): void {
  // Both miners get record times: without one each keeps the clock's, which differs between runs.
  const raw = new RawLineMiner(new DrainMiner({ maxTemplatesPerStream: 300 }), readTime);
  const plain = new DrainMiner({ maxTemplatesPerStream: 300 });
  for (const line of lines) {
    const got = raw.add("s", line, "2026-01-01T00:00:00.000Z");
    const h = splitHeader(line, readTime);
    const match = plain.add("s", h.body, h.timestamp ?? "2026-01-01T00:00:00.000Z");
    const want = { header: h, match };
    if (JSON.stringify(got) !== JSON.stringify(want)) expect({ line, ...got }).toEqual({ line, ...want });
  }
  expect(raw.miner.exportState()).toEqual(plain.exportState());
}

describe("RawLineMiner", () => {
  it("reads a known line skeleton without scanning, and re-checks digit-valued header times", () => {
    const scan = vi.spyOn(LineScanner.prototype, "scan");
    try {
      const m = new RawLineMiner(new DrainMiner());
      m.add("s", "Jun 14 15:16:01 combo sshd[19939]: accepted key for 10.0.0.1 port 22");
      m.add("s", "Jun 14 15:16:02 combo sshd[19940]: accepted key for 10.0.0.2 port 23");
      const scanned = scan.mock.calls.length;
      const r = m.add("s", "Jun 14 15:17:09 combo sshd[20011]: accepted key for 10.0.9.7 port 99");
      expect(scan.mock.calls.length).toBe(scanned);
      expect(r.header).toEqual({
        timestamp: expect.stringMatching(/-06-14T15:17:09\.000Z$/),
        level: null,
        host: "combo",
        pid: 20011,
        component: "sshd[20011]",
        body: "accepted key for 10.0.9.7 port 99",
      });
      expect(r.match.params.map((p) => p.value)).toEqual(["10.0.9.7", "99"]);
      // Same skeleton, but 45 is no day: split the full way, as splitHeader does.
      const bad = "Jun 45 15:17:09 combo sshd[20011]: accepted key for 10.0.9.7 port 99";
      expect(m.add("s", bad).header).toEqual(splitHeader(bad));
    } finally {
      scan.mockRestore();
    }
  });

  it("keeps one entry per header reading of a skeleton: alternating lines both take the fast path", () => {
    // `Jun 14` is a date and `Jun 45` is not: one skeleton, two header splits.
    const good = (s: number) =>
      `Jun 14 15:16:0${s} combo sshd[1993${s}]: accepted key for 10.0.0.${s} port 2${s}`;
    const bad = (s: number) =>
      `Jun 45 15:16:0${s} combo sshd[1993${s}]: accepted key for 10.0.0.${s} port 2${s}`;
    const lines = [good(1), bad(1), good(2), bad(2), good(3), bad(3), good(4), bad(4)];
    expectSame(lines, true);
    const m = new RawLineMiner(new DrainMiner());
    const split = vi.spyOn(m.miner, "add");
    for (const line of lines.slice(0, 4)) m.add("s", line);
    const slow = split.mock.calls.length;
    for (const line of lines.slice(4)) expect(m.add("s", line).header).toEqual(splitHeader(line));
    expect(split.mock.calls.length).toBe(slow);
  });

  it("reads the pid as splitHeader does when a skeleton keeps its sign: -0 is a pid, -3 is none", () => {
    const lines = [
      "081109 203615 -0 INFO dfs.DataNode: served block",
      "081109 203615 -3 INFO dfs.DataNode: served block",
      "081109 203615 148 INFO dfs.DataNode: served block",
      "081109 203615 -0 INFO dfs.DataNode: served block",
      "Jun 14 15:16:01 combo sshd[-0]: session opened",
      "Jun 14 15:16:01 combo sshd[-7]: session opened",
      "Jun 14 15:16:01 combo sshd[19939]: session opened",
    ];
    expect(lines.map((l) => splitHeader(l).pid)).toEqual([-0, null, 148, -0, -0, null, 19939]);
    expectSame([...lines, ...lines], true);
  });

  itOnRedrawnDigits(
    "gives splitHeader's and the miner's results on LogHub raw lines with their digits redrawn",
    "raw lines",
    42,
    (lines) => {
      expectSame(lines, true);
      expectSame(lines, false);
    },
  );

  describe("addText", () => {
    /** `addText` on `text` against `add` on its lines, one by one: the same lines, headers, matches, state. */
    function expectSameAsAdd(text: string): void {
      // Lines without a header time are counted at the clock's time: one frozen time for both runs.
      vi.useFakeTimers({ now: Date.parse("2026-01-01T00:00:00Z"), toFake: ["Date"] });
      try {
        compareWithAdd(text);
      } finally {
        vi.useRealTimers();
      }
    }

    function compareWithAdd(text: string): void {
      const byText = new RawLineMiner(new DrainMiner({ maxTemplatesPerStream: 300 }));
      const got: unknown[] = [];
      const seen: string[] = [];
      const count = byText.addText("s", text, (m, line) => {
        got.push(m);
        seen.push(line);
      });
      const byLine = new RawLineMiner(new DrainMiner({ maxTemplatesPerStream: 300 }));
      const lines = textLines(text);
      expect(seen).toEqual(lines);
      expect(count).toBe(lines.length);
      const want = lines.map((line) => byLine.add("s", line));
      for (let i = 0; i < want.length; i++)
        if (JSON.stringify(got[i]) !== JSON.stringify(want[i])) expect(got[i]).toEqual(want[i]);
      expect(byText.miner.exportState()).toEqual(byLine.miner.exportState());
    }

    it("mines a text's lines as add does them one by one, over windows, CRLF, empty and long lines", () => {
      const loghub = loghubLines("HDFS").concat(loghubLines("Linux"), loghubLines("OpenSSH"));
      // Many windows of LogHub lines, with CRLF endings, and no final line break.
      expectSameAsAdd([...loghub, ...loghub].join("\r\n"));
      // A final line break, empty lines, and a line longer than a window (copied on its own).
      const long = `081109 203615 148 INFO dfs.DataNode: ${"blk_1 ".repeat(WINDOW_CHARS / 5)}`;
      expectSameAsAdd(["", ...loghub.slice(0, 300), "", long, ...loghub.slice(300, 900), ""].join("\n"));
      // Windows that are not all ASCII: their lines are copied one by one.
      const accented = loghub.map((l, i) => (i % 97 === 0 ? `${l} Müller 😀` : l));
      expectSameAsAdd(accented.join("\n"));
      expectSameAsAdd("");
      expectSameAsAdd("\n\r\n");
    });

    it("copies its window again when `each` mined a text of its own, which took the window", () => {
      const lines = loghubLines("HDFS").slice(0, 400);
      const outer = new RawLineMiner(new DrainMiner());
      const inner = new RawLineMiner(new DrainMiner());
      const got: string[] = [];
      outer.addText("s", lines.join("\n"), (m) => {
        got.push(m.match.template);
        inner.addText("t", "Jun 14 15:16:01 combo sshd[19939]: session opened for user 7", () => {});
      });
      const plain = new RawLineMiner(new DrainMiner());
      expect(got).toEqual(lines.map((l) => plain.add("s", l).match.template));
    });
  });
});
