import { describe, expect, it } from "vitest";
import { parseBsdDate } from "../../../src/parsers/decoders/bsd-date.js";
import {
  parsePri,
  parseStructuredData,
  parseSyslog,
  parseSyslogMessage,
} from "../../../src/parsers/decoders/syslog.js";

const ctx = { observedAt: "2026-01-10T00:00:00.000Z" };
const NOW = Date.parse(ctx.observedAt);

describe("parsePri", () => {
  it.each([
    ["<0>x", { facility: 0, severity: 0, end: 3 }],
    ["<34>x", { facility: 4, severity: 2, end: 4 }],
    ["<191>x", { facility: 23, severity: 7, end: 5 }],
    ["<192>x", null],
    ["<>x", null],
    ["<1234>x", null],
    ["<a>x", null],
    ["34>x", null],
  ])("%s", (line, expected) => {
    expect(parsePri(line)).toEqual(expected);
  });
});

describe("RFC 5424", () => {
  it("RFC example with structured data and BOM", () => {
    const r = parseSyslog(
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] \uFEFFAn application event log entry...',
      ctx,
    );
    expect(r).toEqual({
      timestamp: "2003-10-11T22:14:15.003Z",
      observedTimestamp: ctx.observedAt,
      severityText: "notice",
      severityNumber: 10,
      body: "An application event log entry...",
      attributes: {
        "syslog.facility": "local4",
        "syslog.msgid": "ID47",
        "sd.exampleSDID@32473.iut": "3",
        "sd.exampleSDID@32473.eventSource": "Application",
        "sd.exampleSDID@32473.eventID": "1011",
        "sd.examplePriority@32473.class": "high",
      },
      resource: { "service.name": "evntslog", "host.name": "mymachine.example.com" },
    });
  });

  it("offset timestamp, pid, no SD", () => {
    const r = parseSyslog(
      "<34>1 2003-08-24T05:14:15.000003-07:00 192.0.2.1 myproc 8710 - - %% It's time",
      ctx,
    );
    expect(r).toMatchObject({
      timestamp: "2003-08-24T12:14:15.000Z",
      severityText: "crit",
      severityNumber: 18,
      body: "%% It's time",
      attributes: { "syslog.facility": "auth", "process.pid": 8710 },
      resource: { "service.name": "myproc", "host.name": "192.0.2.1" },
    });
  });

  it("a timestamp years ahead of the clock is not the record's: observed time, the message kept", () => {
    const r = parseSyslog("<13>1 9776-03-25T21:23:29Z host app - - - started", ctx);
    expect(r?.timestamp).toBe(ctx.observedAt);
    expect(r?.body).toBe("started");
  });

  it("all NILVALUEs: observed time, nothing but PRI", () => {
    const r = parseSyslog("<13>1 - - - - - -", ctx);
    expect(r).toEqual({
      timestamp: ctx.observedAt,
      observedTimestamp: ctx.observedAt,
      severityText: "notice",
      severityNumber: 10,
      body: "",
      attributes: { "syslog.facility": "user" },
      resource: {},
    });
  });

  it("NILVALUE app falls back to defaultService; non-numeric procid kept as text", () => {
    const r = parseSyslog("<14>1 2026-01-01T00:00:00Z host - worker-a - - hi", {
      ...ctx,
      defaultService: "dflt",
    });
    expect(r?.resource).toEqual({ "service.name": "dflt", "host.name": "host" });
    expect(r?.attributes).toEqual({ "syslog.facility": "user", "syslog.procid": "worker-a" });
  });

  it.each([
    [
      "escapes",
      '[a x="q\\"uote" y="back\\\\slash" z="br\\]acket" w="keep\\n"]',
      { a: { x: 'q"uote', y: "back\\slash", z: "br]acket", w: "keep\\n" } },
    ],
    ["repeated param", '[a x="1" x="2"]', { a: { x: ["1", "2"] } }],
    ["id without params", "[flag]", { flag: {} }],
    ["nil", "-", null],
  ])("structured data: %s", (_name, text, expected) => {
    expect(parseStructuredData(text, 0)?.sd ?? null).toEqual(expected);
  });

  it("SD id without params becomes a flag attribute", () => {
    expect(parseSyslog("<14>1 - h a - - [flag] m", ctx)?.attributes).toEqual({
      "syslog.facility": "user",
      "sd.flag": true,
    });
  });

  it("malformed SD is kept in the message", () => {
    expect(parseSyslog('<14>1 - h a - - [broken x="1 m', ctx)?.body).toBe('[broken x="1 m');
  });
});

describe("RFC 3164", () => {
  it.each([
    [
      "with PRI",
      "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
      {
        timestamp: "2025-10-11T22:14:15.000Z",
        severityText: "crit",
        body: "'su root' failed for lonvick on /dev/pts/8",
        attributes: { "syslog.facility": "auth" },
        resource: { "service.name": "su", "host.name": "mymachine" },
      },
    ],
    [
      "file line without PRI, program(module)[pid]",
      "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; logname= uid=0",
      {
        timestamp: "2025-06-14T15:16:01.000Z",
        severityText: null,
        severityNumber: 0,
        body: "authentication failure; logname= uid=0",
        attributes: { "process.pid": 19939, "log.component": "pam_unix" },
        resource: { "service.name": "sshd", "host.name": "combo" },
      },
    ],
    [
      "space-padded day",
      "Jan  5 01:02:03 host cron[7]: run",
      { timestamp: "2026-01-05T01:02:03.000Z", resource: { "service.name": "cron", "host.name": "host" } },
    ],
    [
      "no host",
      "<13>Jan  5 01:02:03 app[7]: hi",
      { body: "hi", attributes: { "process.pid": 7 }, resource: { "service.name": "app" } },
    ],
    [
      "no tag",
      "Jan  5 01:02:03 host this is a message",
      { body: "this is a message", resource: { "host.name": "host" } },
    ],
    ["explicit year", "Jan  5 2024 01:02:03 host app: x", { timestamp: "2024-01-05T01:02:03.000Z" }],
    ["fractional seconds", "Jan  5 01:02:03.456 host app: x", { timestamp: "2026-01-05T01:02:03.456Z" }],
    [
      "ISO timestamp after PRI",
      "<30>2026-01-05T01:02:03.5+01:00 host app[1]: x",
      {
        timestamp: "2026-01-05T00:02:03.500Z",
        severityText: "info",
        resource: { "service.name": "app", "host.name": "host" },
      },
    ],
    [
      "PRI and no date: everything is the message",
      "<13>hello world",
      { timestamp: ctx.observedAt, body: "hello world", resource: {} },
    ],
  ])("%s", (_name, line, expected) => {
    expect(parseSyslog(line, ctx)).toMatchObject(expected);
  });

  it.each([
    ["a month name that is a word", "Mayday is not a date"],
    ["no PRI and no date", "sshd[1]: hello"],
    ["bad time", "Jun 14 25:16:01 host x"],
  ])("not syslog: %s", (_name, line) => {
    expect(parseSyslogMessage(line, NOW)).toBeNull();
  });

  it.each([
    ["same day", "Jan 10 00:00:00", "2026-01-10T00:00:00.000Z"],
    ["a few hours ahead (clock skew) stays this year", "Jan 10 20:00:00", "2026-01-10T20:00:00.000Z"],
    ["more than a day ahead is last year", "Jan 12 00:00:00", "2025-01-12T00:00:00.000Z"],
    ["December seen in January", "Dec 31 23:59:59", "2025-12-31T23:59:59.000Z"],
    ["Feb 29 goes back to a leap year", "Feb 29 12:00:00", "2024-02-29T12:00:00.000Z"],
  ])("year inference: %s", (_name, text, expected) => {
    const d = parseBsdDate(text, 0, NOW);
    expect(d && new Date(d.ms).toISOString()).toBe(expected);
  });
});
