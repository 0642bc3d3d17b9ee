import { describe, expect, it, vi } from "vitest";
import type { TemplateMatch } from "../../../src/core/template.js";
import { DrainMiner } from "../../../src/parsers/drain/index.js";
import { LineScanner } from "../../../src/parsers/drain/scan.js";
import { skeletonOf } from "../../../src/parsers/drain/skeleton.js";
import { itOnRedrawnDigits } from "../../helpers/redrawn-digits.js";

/**
 * The skeleton memo (src/parsers/drain/skeleton.ts) skips the scan for a line whose skeleton (digits
 * as one mark) an earlier line had. It must change no result: each case mines the same lines with it
 * and without it, and compares every line's match and the saved state.
 */

/** Line i's record time: the miner keeps first and last seen times, so both runs must give the same. */
function at(i: number): string {
  return new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
}

/** Mines `lines` with the memo on and off; returns both runs' matches and states. */
function both(lines: readonly string[], batch = 0, maxTemplatesPerStream = 300) {
  const run = (skeletonMemo: boolean) => {
    const m = new DrainMiner({ skeletonMemo, maxTemplatesPerStream });
    const out: TemplateMatch[] = [];
    lines.forEach((line, i) => {
      // Every `batch` lines a batch is rolled back and mined again, as a failed store write makes it.
      if (batch > 0 && i % batch === 0) {
        m.undo.begin();
        for (let k = i; k < Math.min(i + batch, lines.length); k++) m.add("s", lines[k]!, at(k));
        m.undo.rollback();
      }
      out.push(m.add("s", line, at(i)));
    });
    return { out, state: m.exportState() };
  };
  return { on: run(true), off: run(false) };
}

function expectSame(lines: readonly string[], batch = 0, maxTemplatesPerStream = 300): void {
  const { on, off } = both(lines, batch, maxTemplatesPerStream);
  for (let i = 0; i < lines.length; i++)
    if (JSON.stringify(on.out[i]) !== JSON.stringify(off.out[i]))
      expect({ line: lines[i], match: on.out[i] }).toEqual({ line: lines[i], match: off.out[i] });
  expect(on.state).toEqual(off.state);
}

describe("skeleton memo", () => {
  it("takes the fast path: a line of a known skeleton is not scanned", () => {
    const scan = vi.spyOn(LineScanner.prototype, "scan");
    try {
      const m = new DrainMiner();
      m.add("s", "served 200 bytes to 10.0.0.1 in 12 ms");
      m.add("s", "served 300 bytes to 10.0.0.2 in 13 ms");
      const scanned = scan.mock.calls.length;
      const r = m.add("s", "served 451 bytes to 10.9.8.7 in 99 ms");
      expect(scan.mock.calls.length).toBe(scanned);
      expect(r.params.map((p) => p.value)).toEqual(["451", "10.9.8.7", "99"]);
      // Another length of a number is another skeleton: scanned.
      m.add("s", "served 4510 bytes to 10.9.8.7 in 99 ms");
      expect(scan.mock.calls.length).toBe(scanned + 1);
      // Lines over 2,048 chars are not kept (an entry copies its line): scanned every time.
      const long = `payload ${"a1 ".repeat(800)}end`;
      for (let i = 0; i < 3; i++) m.add("s", long);
      expect(scan.mock.calls.length).toBe(scanned + 4);
    } finally {
      scan.mockRestore();
    }
  });

  it("pins a template's literal digits: another value widens the template as the scan path does", () => {
    const lines = [
      "session opened on eth0 using ssh2",
      "session opened on eth0 using ssh2",
      "session opened on eth0 using ssh2",
      "session opened on eth1 using ssh2",
      "session opened on eth1 using ssh2",
      "value 0x1f read",
      "value 0x1f read",
      "value 1x1f read",
      "value 0x2e read",
      "value 1x2e read",
    ];
    expectSame(lines);
    const m = new DrainMiner();
    const r = lines.slice(0, 4).map((l) => m.add("s", l));
    expect(r[2]!.template).toBe("session opened on eth0 using ssh2");
    expect(r[3]!.template).toBe("session opened on eth<*> using ssh2");
  });

  it("reads skeletons of UTF-8: hex digits at every alignment, non-ASCII text, lone surrogates", () => {
    // A `0x` at each of the four byte offsets of a word, and after a multi-byte char (which moves it).
    const hex = ["", "a", "ab", "abc", "é", "日本"].flatMap((p) => [
      `${p} value 0x1f read`,
      `${p} value 0x1f read`,
      `${p} value 0x2e read`,
      `${p} value 1x2e read`,
      `${p} value 10x2e read`,
      `${p} value 10X2e read`,
    ]);
    expectSame(hex);
    // Lone surrogates: UTF-8 writes each as U+FFFD, so these two lines would share bytes; they must
    // not share an entry (they skip the table), and a line with a real U+FFFD must still hit.
    const odd = [
      "user \ud800 logged in 5 times",
      "user \ud800 logged in 5 times",
      "user \udc00 logged in 6 times",
      "user \ufffd logged in 7 times",
      "user \ufffd logged in 8 times",
      "Benutzer Müller angemeldet 12 mal",
      "Benutzer Müller angemeldet 13 mal",
      "Benutzer Möller angemeldet 13 mal",
    ];
    expectSame(odd);
    const scan = vi.spyOn(LineScanner.prototype, "scan");
    try {
      const m = new DrainMiner();
      for (const line of odd.slice(0, 2)) m.add("s", line);
      const afterLone = scan.mock.calls.length;
      m.add("s", odd[2]!);
      expect(scan.mock.calls.length).toBe(afterLone + 1);
      // A real U+FFFD, and other non-ASCII text, on a stream of their own: the fast path.
      for (const line of [odd[3]!, odd[3]!, odd[5]!, odd[5]!]) m.add("t", line);
      const scanned = scan.mock.calls.length;
      expect(m.add("t", odd[4]!).params.map((p) => p.value)).toEqual(["8"]);
      expect(m.add("t", odd[6]!).params.map((p) => p.value)).toEqual(["13"]);
      expect(scan.mock.calls.length).toBe(scanned);
      // Another letter of the same byte length is another skeleton.
      m.add("t", odd[7]!);
      expect(scan.mock.calls.length).toBe(scanned + 1);
    } finally {
      scan.mockRestore();
    }
  });

  it("makes the skeleton of a line longer than its buffer, of any length", () => {
    // Past 2,729 chars the shared buffer grows; its size must stay whole 32-bit words.
    for (const n of [2731, 2732, 5001]) {
      const line = `${"a1".repeat(n >> 1)}${n & 1 ? "z" : ""}`;
      const skel = skeletonOf(line);
      expect(skel.length).toBe(n);
      expect(Buffer.from(skel).toString("latin1")).toBe(line.replace(/[0-9]/g, "0"));
    }
  });

  itOnRedrawnDigits(
    "gives the scan path's results on LogHub bodies with their digits redrawn, with and without rollbacks",
    "bodies",
    18,
    (lines) => {
      expectSame(lines);
      expectSame(lines.slice(0, 20_000), 97);
      // Few templates kept: entries keep leading to clusters the LRU has just evicted.
      expectSame(lines.slice(0, 20_000), 0, 20);
    },
  );
});
