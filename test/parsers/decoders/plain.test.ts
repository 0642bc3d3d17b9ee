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
