import { describe, expect, it, vi } from "vitest";
import { mulberry32 } from "../../../bench/lib/random.js";
import { formatIso, isoFromParts } from "../../../src/parsers/drain/header-time.js";
import { DrainMiner } from "../../../src/parsers/drain/index.js";
import { splitHeader } from "../../../src/parsers/header.js";

// The hot paths cache by masked shape (miner) and by header shape and minute (splitHeader); these pin
// that a cached answer is always the one the full computation gives.
// splitHeader keeps its shape and time caches across calls, so the cases below run in order.
describe("miner fast path", () => {
  it("matches memoised shapes on the line's chars and still widens watched positions", () => {
    const m = new DrainMiner();
    const a = m.add("s", "read /var/data/file1 took 12 ms");
    const b = m.add("s", "read /var/data/file1 took 15 ms");
    expect(b.templateId).toBe(a.templateId);
    expect(b.params).toEqual([{ value: "15", type: "num" }]);
    // Same key (any path matches any path), different display path: the template widens.
    const c = m.add("s", "read /opt/other/file2 took 9 ms");
    expect(c.change).toBe("updated");
    expect(c.template).toBe("read /<*> took <*> ms");
    expect(c.params).toEqual([
      { value: "opt/other/file2", type: null },
      { value: "9", type: "num" },
    ]);
  });

  it("applies the context rules (date names, units) the same with and without the memo", () => {
    const m = new DrainMiner();
    const lines = ["connection from 1.2.3.4 at Sun Jul 10 03:55:15 2005", "freed 2.1 KB in 14 ms"];
    const first = lines.map((l) => m.add("s", l));
    const again = lines.map((l) => m.add("s", l.replace(/\d/g, "7")));
    expect(first[0]!.template).toBe("connection from <*> at <*> <*> <*> <*>:<*>:<*> <*>");
    // Units are weak: they keep their text until a second value shows up.
    expect(first[1]!.template).toBe("freed <*>.<*> KB in <*> ms");
    expect(again.map((r) => r.templateId)).toEqual(first.map((r) => r.templateId));
  });

  it("keeps distinct keys apart even when many shapes share the memo", () => {
    const m = new DrainMiner({ maxTemplatesPerStream: 50 });
    const seen = new Map<string, string>();
    for (let i = 0; i < 3000; i++) {
      const word = `w${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + (((i / 26) | 0) % 26))}x`;
      const r = m.add("s", `${word} happened`);
      expect(r.template).toBe(`${word} happened`);
      seen.set(word, r.templateId);
    }
    expect(seen.size).toBe(26 * 26);
  });
});

describe("header fast path", () => {
  it("re-checks digit values in a learned header shape", () => {
    expect(splitHeader("Jun 14 15:16:01 combo sshd[1]: a").timestamp).toMatch(/-06-14T15:16:01\.000Z$/);
    // Same shape, but 45 is no day: the line is split the full way, as it would be without a cache.
    expect(splitHeader("Jun 45 15:16:01 combo sshd[1]: a")).toMatchObject({
      timestamp: null,
      body: "a",
      pid: 1,
    });
  });

  it("resumes shapes the recent list dropped (more sources than it holds) with the full split's result", async () => {
    // 40 header shapes (hosts and programs differ in letters; digits are wildcards), interleaved, so
    // most lines fit a shape that has left the list of 16 recent ones and is found in the index.
    const letters = (i: number) =>
      String.fromCharCode(97 + (i % 26)) + String.fromCharCode(97 + Math.floor(i / 26));
    const lines: string[] = [];
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < 40; i++) {
        const day = round === 2 && i % 10 === 0 ? 45 : 14; // no day: the shape must not fit
        lines.push(
          `Jun ${day} 15:16:${String(10 + round).padStart(2, "0")} h${letters(i)} p${letters(i)}[${100 + i}]: msg ${i} of ${round}`,
        );
      }
    const cached = lines.map((l) => splitHeader(l));
    for (let k = 0; k < lines.length; k++) {
      vi.resetModules();
      const fresh = (await import("../../../src/parsers/header.js")).splitHeader;
      expect(cached[k], lines[k]).toEqual(fresh(lines[k]!));
    }
    expect(cached[40]).toMatchObject({ host: "haa", component: "paa[100]", pid: 100, body: "msg 0 of 1" });
  });

  it("replays a shape's split only when the words after the header read as they did", async () => {
    // One header shape each, followed by words that change the split: a qualified or bare component, a
    // bracket or a separator after the level, a level word or a component past a time-anchored header,
    // negative and bracketed pids, lines that end early. Each line is compared with a fresh splitter.
    const heads = [
      "2015-10-18 18:01:47,978 INFO",
      "081109 203615 148 INFO",
      "Jun 14 15:16:01 combo",
      "134681 node-246 unix.hw state_change.unavailable 1077804742 1",
      "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01",
      "17/06/09 20:10:40 WARN",
    ];
    const tails = [
      "org.apache.X: Created thing",
      "Plain: words after it",
      "[main] org.apache.X: Created thing",
      "[main] - org.apache.X: - Created thing",
      "- - [a b] c",
      "sshd[1234]: Accepted",
      "sshd[-12]: Accepted",
      "prog(sub)[77]: x",
      "-5 7 ERROR later",
      "12 ERROR x: y",
      "Component State Change: x",
      "ERROR",
      "[x]",
      "",
      "Jun 14 x",
      "2005 words",
    ];
    const lines: string[] = [];
    for (let round = 0; round < 3; round++)
      for (const head of heads)
        for (let t = 0; t < tails.length; t++) {
          const tail = tails[(t * (round + 1) + round) % tails.length]!;
          lines.push(tail === "" ? head : `${head} ${tail}`);
        }
    const cached = lines.map((l) => splitHeader(l));
    for (let k = 0; k < lines.length; k++) {
      vi.resetModules();
      const fresh = (await import("../../../src/parsers/header.js")).splitHeader;
      expect(cached[k], lines[k]).toEqual(fresh(lines[k]!));
    }
  });

  it("computes seconds and milliseconds arithmetically within a minute, exactly", () => {
    const at = (t: string) => splitHeader(`2015-10-18 18:01:${t} INFO [main] org.x.Y: body`).timestamp;
    expect(at("47,978")).toBe("2015-10-18T18:01:47.978Z");
    expect(at("48,001")).toBe("2015-10-18T18:01:48.001Z");
    expect(at("59,5")).toBe("2015-10-18T18:01:59.500Z");
    expect(at("60,000")).toBe("2015-10-18T18:02:00.000Z");
    // Same header shape, other digits outside the cached variable fields (month, year): read again.
    const on = (d: string) => splitHeader(`${d} 18:01:49,000 INFO [main] org.x.Y: body`).timestamp;
    expect(on("2015-10-18")).toBe("2015-10-18T18:01:49.000Z");
    expect(on("2015-11-18")).toBe("2015-11-18T18:01:49.000Z");
    expect(on("2016-11-18")).toBe("2016-11-18T18:01:49.000Z");
    expect(on("2016-11-19")).toBe("2016-11-19T18:01:49.000Z");
    expect(splitHeader("081109 203615 148 INFO dfs.X: a").timestamp).toBe("2008-11-09T20:36:15.000Z");
    expect(splitHeader("081109 203659 148 INFO dfs.X: a").timestamp).toBe("2008-11-09T20:36:59.000Z");
    expect(splitHeader("081109 203675 148 INFO dfs.X: a").timestamp).toBe("2008-11-09T00:00:00.000Z");
  });

  it("reads the time of lines alternating between header shapes as a fresh splitter does", async () => {
    // Two components (two shapes) take turns; the date's fixed digits (month, year) change under
    // both, and some times are no times (hour 24, month 13): every line must be read exactly.
    const dates = ["2015-10-18 18:01:47,978", "2015-10-18 18:02:07,001", "2015-11-18 18:02:07,001"];
    dates.push("2016-11-18 23:59:59,999", "2016-11-19 00:00:00,000", "2016-13-19 00:00:00,000");
    dates.push("2016-11-19 24:00:00,000", "2016-11-19 07:00:00,5", "2015-10-18 18:01:47,978");
    const lines: string[] = [];
    for (const d of dates)
      for (const component of ["org.a.First:", "org.b.Second:", "org.a.First:"])
        lines.push(`${d} INFO [main] ${component} body ${d.length}`);
    const cached = lines.map((l) => splitHeader(l));
    for (let k = 0; k < lines.length; k++) {
      vi.resetModules();
      const fresh = (await import("../../../src/parsers/header.js")).splitHeader;
      expect(cached[k], lines[k]).toEqual(fresh(lines[k]!));
    }
  });

  it("computes minutes, hours, days and epochs arithmetically, exactly", () => {
    const syslog = (t: string) => splitHeader(`Jun ${t} combo sshd[1]: a`).timestamp?.slice(5);
    expect(syslog("14 15:16:01")).toBe("06-14T15:16:01.000Z");
    expect(syslog("14 15:59:59")).toBe("06-14T15:59:59.000Z");
    expect(syslog("14 23:07:01")).toBe("06-14T23:07:01.000Z");
    expect(syslog("30 23:07:01")).toBe("06-30T23:07:01.000Z");
    expect(syslog("31 23:07:01")).toBe("07-01T23:07:01.000Z");
    expect(syslog("14 99:99:01")).toBe("06-18T04:39:01.000Z");
    const epoch = (e: string) =>
      splitHeader(`- ${e} 2005.06.03 R02-M1 2005-06-03-15.42.50.675872 RAS KERNEL INFO x`);
    expect(epoch("1117838570").timestamp).toBe("2005-06-03T22:42:50.000Z");
    // Later time parts do not count once an epoch has decided.
    expect(epoch("1117838571").timestamp).toBe("2005-06-03T22:42:51.000Z");
    expect(epoch("1217838571").timestamp).toBe("2008-08-04T08:29:31.000Z");
    // Not an epoch any more (epochs start with 1): the other parts are read.
    expect(epoch("2117838571").timestamp).toBe("2005-06-03T15:42:50.676Z");
  });

  it("formats like toISOString", () => {
    const days = [
      0,
      -1,
      1117838570000,
      1117838570999,
      1117838630000,
      Date.UTC(2099, 11, 31, 23, 59, 59, 999),
    ];
    for (const t of [...days, Date.UTC(2000, 1, 29), Date.UTC(1900, 2, 1), -62167219200000, 253402300799999])
      expect(formatIso(t)).toBe(new Date(t).toISOString());
    for (const t of [-62167219200001, 253402300800000, 0.5])
      expect(formatIso(t)).toBe(new Date(t).toISOString());
    expect(isoFromParts(["[Sun Dec 04 04:47:44 2005]"])).toBe("2005-12-04T04:47:44.000Z");
    expect(isoFromParts(["Dec", "04", "04:47:44", "2005"])).toBe("2005-12-04T04:47:44.000Z");
  });

  it("formats like toISOString along walks of times: whole seconds and not, back and forth, across days", () => {
    const next = mulberry32(7);
    let t = Date.UTC(2015, 9, 18, 23, 58, 0);
    for (let i = 0; i < 20_000; i++) {
      const r = next();
      // Mostly small steps, in whole seconds or not; sometimes back to an earlier second, or a day on.
      if (r < 0.4) t += 1000 * Math.floor(next() * 3);
      else if (r < 0.7) t += Math.floor(next() * 1500);
      else if (r < 0.85) t -= 1000 * Math.floor(next() * 90);
      else if (r < 0.95) t = Math.floor(t / 1000) * 1000;
      else t += 86_400_000 * Math.floor(next() * 3) - 40_000;
      expect(formatIso(t)).toBe(new Date(t).toISOString());
    }
  });
});
