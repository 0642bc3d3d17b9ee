import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.js";
import type { JsonObject } from "../../../src/core/json.js";
import type { LogRecord } from "../../../src/core/log-record.js";
import { type ClosedSession, SessionGrouper } from "../../../src/detectors/sequence/session-grouper.js";

function rec(body: string, attributes: JsonObject = {}): LogRecord {
  const t = "2026-01-01T00:00:00Z";
  return {
    timestamp: t,
    observedTimestamp: t,
    severityText: null,
    severityNumber: 0,
    body,
    attributes,
    resource: {},
  };
}

const bodies = (s: ClosedSession<LogRecord>) => s.records.map((r) => r.body);

describe("SessionGrouper", () => {
  it("groups by the first regex match in the message", () => {
    const g = new SessionGrouper({
      key: { regex: /blk_[-0-9]+/g },
      idleTimeoutMs: 60_000,
      maxOpenSessions: 10,
      clock: new FakeClock(),
    });
    g.addAll([
      rec("Receiving block blk_-12 src: /10.0.0.1"),
      rec("Receiving block blk_34 src: /10.0.0.2"),
      rec("no block here"),
      rec("Deleting block blk_-12 file /data/blk_-12 and blk_34"),
    ]);
    expect(g.unkeyedRecords).toBe(1);
    const closed = g.flush();
    expect(closed.map((s) => [s.id, s.records.length, s.reason])).toEqual([
      ["blk_34", 1, "end"],
      ["blk_-12", 2, "end"],
    ]);
    expect(g.openSessions).toBe(0);
  });

  it("uses the first capture group when the regex has one", () => {
    const g = new SessionGrouper({
      key: { regex: "user=(\\w+)" },
      idleTimeoutMs: 1,
      maxOpenSessions: 5,
      clock: new FakeClock(),
    });
    g.add(rec("login user=ann ok"));
    expect(g.flush()[0]?.id).toBe("ann");
  });

  it("groups by an attribute, then a resource attribute", () => {
    const g = new SessionGrouper({
      key: { field: "trace_id" },
      idleTimeoutMs: 1000,
      maxOpenSessions: 5,
      clock: new FakeClock(),
    });
    g.addAll([rec("a", { trace_id: "t1" }), rec("b", { trace_id: 7 }), rec("c", { trace_id: "t1" })]);
    const r = rec("d");
    r.resource = { trace_id: "t1" };
    g.add(r);
    expect(g.flush().map((s) => [s.id, bodies(s)])).toEqual([
      ["7", ["b"]],
      ["t1", ["a", "c", "d"]],
    ]);
  });

  it("closes sessions idle for the timeout, by the injected clock", () => {
    const clock = new FakeClock(0);
    const g = new SessionGrouper({ key: { field: "s" }, idleTimeoutMs: 1000, maxOpenSessions: 5, clock });
    g.add(rec("a1", { s: "a" }));
    clock.advance(600);
    g.add(rec("b1", { s: "b" }));
    clock.advance(300);
    g.add(rec("a2", { s: "a" })); // a is active again at 900
    clock.advance(700); // now 1600: b idle since 600, a since 900
    expect(g.expire().map((s) => [s.id, s.reason, s.openedAt, s.lastSeenAt])).toEqual([
      ["b", "idle", 600, 600],
    ]);
    clock.advance(300); // 1900: a idle for 1000
    const closed = g.add(rec("c1", { s: "c" }));
    expect(closed.map((s) => [s.id, bodies(s)])).toEqual([["a", ["a1", "a2"]]]);
    expect(g.openSessions).toBe(1);
  });

  it("reports each session's longest pause and takes a new idle timeout", () => {
    const clock = new FakeClock(0);
    const g = new SessionGrouper({ key: { field: "s" }, idleTimeoutMs: 1000, maxOpenSessions: 5, clock });
    g.idleTimeoutMs = Number.POSITIVE_INFINITY; // closed only by the cap or flush
    g.add(rec("a1", { s: "a" }));
    clock.advance(400);
    g.add(rec("a2", { s: "a" }));
    clock.advance(5_000);
    expect(g.add(rec("a3", { s: "a" }))).toEqual([]);
    expect(g.flush().map((s) => [s.id, bodies(s), s.longestGapMs])).toEqual([
      ["a", ["a1", "a2", "a3"], 5_000],
    ]);
    expect(() => {
      g.idleTimeoutMs = 0;
    }).toThrow(/idleTimeoutMs/);
  });

  it("closes the least recently active session beyond the bound", () => {
    const g = new SessionGrouper({
      key: { field: "s" },
      idleTimeoutMs: 10_000,
      maxOpenSessions: 2,
      clock: new FakeClock(),
    });
    g.addAll([rec("a1", { s: "a" }), rec("b1", { s: "b" }), rec("a2", { s: "a" })]);
    const evicted = g.add(rec("c1", { s: "c" }));
    expect(evicted.map((s) => [s.id, s.reason])).toEqual([["b", "evicted"]]);
    expect(g.openSessions).toBe(2);
    expect(
      () =>
        new SessionGrouper({
          key: { field: "s" },
          idleTimeoutMs: 0,
          maxOpenSessions: 1,
          clock: new FakeClock(),
        }),
    ).toThrow();
  });
});
