import { describe, expect, it } from "vitest";
import { decodePlain } from "../../../src/parsers/decoders/plain.js";

// Real header lines (splitHeader's own cases are in test/parsers/header.test.ts); these tests pin how
// its fields map onto the record. No module mock: the suite shares modules between files.
const ctx = { observedAt: "2026-01-10T00:00:00.000Z" };

describe("decodePlain", () => {
  it("maps the time, level, pid and component of a header", () => {
    expect(decodePlain("081109 203615 148 WARN dfs.DataNode: disk almost full", ctx)).toEqual({
      timestamp: "2008-11-09T20:36:15.000Z",
      observedTimestamp: ctx.observedAt,
      severityText: "WARN",
      severityNumber: 13,
      body: "disk almost full",
      attributes: { "process.pid": 148, "log.component": "dfs.DataNode" },
      resource: { "service.name": "dfs.DataNode" },
    });
  });

  it("maps the host of a syslog header", () => {
    const r = decodePlain("Dec 10 06:55:46 web-1 sshd[24200]: Invalid user admin from 203.0.113.9", ctx);
    expect(r.resource).toMatchObject({ "host.name": "web-1" });
    expect(r.attributes).toMatchObject({ "process.pid": 24200 });
    expect(r.body).toBe("Invalid user admin from 203.0.113.9");
  });

  it("a header time days ahead of the clock, or before 1990, was no header: the line is kept whole", () => {
    // A version stamp whose digits read as a date far ahead, and one read as 1697: neither can be the
    // line's time, and either would have sorted it apart from every real line.
    for (const line of ["9776/03/25 21:23:29 ak Exp $", "1697-07-09 23:30:47 ERROR build id seen"]) {
      const r = decodePlain(line, ctx);
      expect(r.timestamp).toBe(ctx.observedAt);
      expect(r.body).toBe(line);
    }
    expect(decodePlain("1697-07-09 23:30:47 ERROR build id seen", ctx).severityText).toBe("ERROR");
    // Two days ahead of the clock is still taken (skew, time zones); the reference is the context's clock.
    expect(decodePlain("2026-01-11 23:00:00 INFO started", ctx).timestamp).toBe("2026-01-11T23:00:00.000Z");
    expect(decodePlain("2026-01-12 01:00:00 INFO started", ctx).timestamp).toBe(ctx.observedAt);
    expect(
      decodePlain("2026-01-12 01:00:00 INFO started", { ...ctx, now: Date.UTC(2026, 0, 12) }).timestamp,
    ).toBe("2026-01-12T01:00:00.000Z");
  });

  it("defaultService wins over the component", () => {
    const r = decodePlain("081109 203615 148 ERROR dfs.Foo: x", { ...ctx, defaultService: "svc" });
    expect(r.resource).toEqual({ "service.name": "svc" });
    expect(r.attributes).toEqual({ "process.pid": 148, "log.component": "dfs.Foo" });
    expect([r.severityText, r.severityNumber]).toEqual(["ERROR", 17]);
  });

  it("no header: the line is the body, stamped with the observed time", () => {
    expect(decodePlain("just text", ctx)).toEqual({
      timestamp: ctx.observedAt,
      observedTimestamp: ctx.observedAt,
      severityText: null,
      severityNumber: 0,
      body: "just text",
      attributes: {},
      resource: {},
    });
  });
});
