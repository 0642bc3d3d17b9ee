import { describe, expect, it, vi } from "vitest";
import { decodeLine } from "../../src/parsers/decoders/index.js";
import { DrainMiner } from "../../src/parsers/drain/index.js";
import { splitHeader } from "../../src/parsers/header.js";
import { HeaderSplits } from "../../src/parsers/header-memo.js";

// Lines from LogHub's Android, Proxifier and HealthApp samples (logpai/loghub), which the datasets in
// ../shared do not hold: before issue 47 their time was not read and each template began with it.
const ANDROID = [
  "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992}}",
  '03-17 16:13:38.819  1702  8671 D PowerManagerService: acquire lock=233570404, flags=0x1, tag="View Lock", uid=10037, pid=2227',
  "03-17 16:13:38.839  1702  2113 V WindowManager: Skipping AppWindowToken{df0798e token=Token{78af589}} -- going to hide",
  "03-17 16:13:38.935  1702  3697 W ActivityManager: getRunningAppProcesses: caller 10113 does not hold REAL_GET_TASKS; limiting output",
  "03-17 16:13:40.241  2626  8682 W PhoneInterfaceManager: shouldBlockLocation running ...",
  "03-17 16:13:45.466  1702 17632 E ActivityManager: Bad activity token: android.os.BinderProxy@2bd79ce",
];
const PROXIFIER = [
  "[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
  "[10.30 16:49:07] chrome.exe - proxy.cse.cuhk.edu.hk:5070 close, 403 bytes sent, 426 bytes received, lifetime <1 sec",
  "[10.30 16:49:09] chrome.exe - proxy.cse.cuhk.edu.hk:5070 close, 19904 bytes (19.4 KB) sent, 27629 bytes (26.9 KB) received, lifetime 02:19",
];
const HEALTHAPP = [
  "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
  "20171223-22:15:29:633|Step_StandReportReceiver|30002312|onReceive action: android.intent.action.SCREEN_ON",
  "20171223-22:15:29:635|Step_SPUtils|30002312| getTodayTotalDetailSteps = 1514038440000##6993##548365##8661",
  "20171223-22:15:35:11|Step_SPUtils|30002312| getTodayTotalDetailSteps = 1514038440000##7015##548365##8661",
  "20171223-22:15:35:96|Step_StandReportReceiver|30002312|onReceive action: android.intent.action.SCREEN_ON",
];

const year = (iso: string | null) => iso?.slice(0, 4);

describe("splitHeader: Android logcat (threadtime)", () => {
  it("reads the year-less date, pid, the one-letter priority and the tag", () => {
    const h = splitHeader(ANDROID[0]!);
    expect(h.timestamp).toMatch(/^\d{4}-03-17T16:13:38\.811Z$/);
    expect(h).toMatchObject({ level: "D", pid: 1702, component: "WindowManager", host: null });
    expect(h.body).toBe(
      "printFreezingDisplayLogsopening app wtoken = AppWindowToken{9f4ef63 token=Token{a64f992}}",
    );
    expect(splitHeader(ANDROID[2]!)).toMatchObject({ level: "V", component: "WindowManager" });
    expect(splitHeader(ANDROID[5]!)).toMatchObject({
      level: "E",
      pid: 1702,
      body: expect.stringMatching(/^Bad/),
    });
  });

  it("takes a pid in 1970-2099 for a pid, not the year", () => {
    const h = splitHeader("03-17 16:13:38.811  2027  2395 I Tag: started");
    expect(h).toMatchObject({ pid: 2027, level: "I", component: "Tag", body: "started" });
    expect(h.timestamp).toMatch(/-03-17T16:13:38\.811Z$/);
    expect(year(h.timestamp)).not.toBe("2027");
  });

  it("leaves a month-day without a clock, an invalid one, and a stray letter alone", () => {
    expect(splitHeader("10-12 items were dropped")).toMatchObject({
      timestamp: null,
      body: "10-12 items were dropped",
    });
    // Month 13: no date, so no time (the clock alone names no day).
    expect(splitHeader("13-45 16:13:38.811  1702  2395 D Tag: x").timestamp).toBeNull();
    // Not a priority letter: the header ends at the numbers, as before.
    expect(splitHeader("03-17 16:13:38.811  1702  2395 X Tag: x")).toMatchObject({
      level: null,
      body: "X Tag: x",
    });
  });
});

describe("splitHeader: Proxifier and HealthApp", () => {
  it("reads Proxifier's bracketed [MM.DD hh:mm:ss]", () => {
    const h = splitHeader(PROXIFIER[0]!);
    expect(h.timestamp).toMatch(/^\d{4}-10-30T16:49:06\.000Z$/);
    expect(h.body).toBe(
      "chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
    );
    expect(splitHeader("[10.30 foo] bar").timestamp).toBeNull();
  });

  it("reads HealthApp's yyyymmdd-hh:mm:ss:ms|component|pid| header, milliseconds unpadded", () => {
    expect(splitHeader(HEALTHAPP[0]!)).toEqual({
      timestamp: "2017-12-23T22:15:29.606Z",
      level: null,
      host: null,
      pid: 30002312,
      component: "Step_LSC",
      body: "onStandStepChanged 3579",
    });
    expect(splitHeader(HEALTHAPP[2]!).body).toBe(
      "getTodayTotalDetailSteps = 1514038440000##6993##548365##8661",
    );
    // `:11` is 11 ms and `:96` 96 ms (HealthApp does not pad them), not .110 and .960.
    expect(splitHeader(HEALTHAPP[3]!).timestamp).toBe("2017-12-23T22:15:35.011Z");
    expect(splitHeader(HEALTHAPP[4]!).timestamp).toBe("2017-12-23T22:15:35.096Z");
    expect(splitHeader("20171223-22:15:29.606|x y").timestamp).toBe("2017-12-23T22:15:29.606Z");
  });

  it("reads capitalised level words where a header puts its level, and not in the message", () => {
    const h = splitHeader(
      "2016-09-28 04:30:30, Info                  CBS    Loaded Servicing Stack v6.1.7601.23505",
    );
    expect(h).toMatchObject({ timestamp: "2016-09-28T04:30:30.000Z", level: "Info" });
    expect(h.body).toBe("CBS    Loaded Servicing Stack v6.1.7601.23505");
    expect(splitHeader("2016-09-28 04:30:30 1234 Warning disk almost full")).toMatchObject({
      level: "Warning",
      pid: 1234,
    });
    expect(splitHeader("404 Error page not found")).toMatchObject({
      level: null,
      body: "404 Error page not found",
    });
    expect(splitHeader("2016-09-28 04:30:30 user pressed the Alert button")).toMatchObject({
      level: null,
      body: "user pressed the Alert button",
    });
  });
});

describe("no template begins with an unread time", () => {
  it("mines Android, Proxifier and HealthApp lines into templates that start with the message", () => {
    const miner = new DrainMiner();
    for (const line of [...ANDROID, ...PROXIFIER, ...HEALTHAPP]) {
      const m = miner.add("s", splitHeader(line).body);
      expect(m.template, line).not.toMatch(/^[[(]?<\*>[-.:|]/);
    }
  });
});

describe("decodeLine: year-less header times take their year as syslog's do", () => {
  it("dates a replayed file by its observed time, and a December line seen in January in the year before", () => {
    const old = decodeLine(ANDROID[0]!, { observedAt: "2017-04-01T00:00:00.000Z" });
    expect(old.timestamp).toBe("2017-03-17T16:13:38.811Z");
    expect(old).toMatchObject({ severityText: "D", severityNumber: 5 });
    expect(old.attributes).toMatchObject({ "process.pid": 1702, "log.component": "WindowManager" });
    const january = decodeLine(PROXIFIER[0]!, { observedAt: "2027-01-05T00:00:00.000Z" });
    expect(january.timestamp).toBe("2026-10-30T16:49:06.000Z");
    // A time that names its year keeps it.
    expect(decodeLine(HEALTHAPP[0]!, { observedAt: "2030-01-01T00:00:00.000Z" }).timestamp).toBe(
      "2017-12-23T22:15:29.606Z",
    );
  });
});

describe("the header caches give the full split's result on these formats", () => {
  const heads = [
    "03-17 16:13:38.811  1702  2395",
    "03-17 16:13:39.811  2027  2395",
    "13-45 16:13:38.811  1702  2395",
    "[10.30 16:49:06]",
    "[13.45 16:49:06]",
    "20171223-22:15:29:606|Step_LSC|30002312|",
    "20171223-22:15:35:11|Step_LSC|",
    "2016-09-28 04:30:30,",
  ];
  const tails = [
    "12 Info after a pid",
    "D WindowManager: x y",
    "X Tag: x",
    "I",
    "Info CBS Loaded",
    "Alert me",
    "onStandStepChanged 3579",
    "x|y|12|z",
    "",
  ];
  const lines: string[] = [];
  // Every tail after every head, in turn: the first line of a head learns its shape, the others
  // resume it and replay a plan or split again. One fresh import per line costs ~50 ms: one round only.
  for (const head of heads)
    for (const tail of tails)
      lines.push(tail === "" ? head : head.endsWith("|") ? `${head}${tail}` : `${head} ${tail}`);

  it("learned shapes and plans: each line as a fresh splitter splits it", async () => {
    const cached = lines.map((l) => splitHeader(l));
    for (let k = 0; k < lines.length; k++) {
      vi.resetModules();
      const fresh = (await import("../../src/parsers/header.js")).splitHeader;
      expect(cached[k], lines[k]).toEqual(fresh(lines[k]!));
    }
  });

  it("the whole-line memo (HeaderSplits)", () => {
    const splits = new HeaderSplits();
    for (const line of [...lines, ...lines]) expect(splits.split(line), line).toEqual(splitHeader(line));
  });
});
