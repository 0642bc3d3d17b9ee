import { describe, expect, it } from "vitest";
import {
  DEFAULT_INCIDENT_WINDOW_SECS,
  describeEntity,
  shownFindingIds,
  spanSeconds,
  windowParam,
} from "../../web/src/anomaly-incidents.js";

describe("the dashboard's anomaly-incidents view helpers", () => {
  it("names an incident's entities in words, and shows a bare detector key whole", () => {
    expect(describeEntity("user:alice")).toEqual({ kind: "User", name: "alice" });
    expect(describeEntity("ip:203.0.113.9")).toEqual({ kind: "Address", name: "203.0.113.9" });
    expect(describeEntity("host:ap-2")).toEqual({ kind: "Host", name: "ap-2" });
    // An IPv6 address keeps its colons; a key naming no entity is shown as it is.
    expect(describeEntity("ip:2001:db8::1")).toEqual({ kind: "Address", name: "2001:db8::1" });
    expect(describeEntity("svc:sshd")).toEqual({ kind: "Key", name: "svc:sshd" });
    expect(describeEntity("auth")).toEqual({ kind: "Key", name: "auth" });
  });

  it("measures a span in seconds, 0 for a single moment", () => {
    expect(spanSeconds("2026-03-01T10:00:00.000Z", "2026-03-01T10:05:30.000Z")).toBe(330);
    expect(spanSeconds("2026-03-01T10:00:00.000Z", "2026-03-01T10:00:00.000Z")).toBe(0);
    expect(spanSeconds("bad", "2026-03-01T10:00:00.000Z")).toBe(0);
  });

  it("lists every finding oldest first, or the newest ones when there are too many for one request", () => {
    expect(shownFindingIds([3, 5, 9], 100)).toEqual([3, 5, 9]);
    expect(shownFindingIds([1, 2, 3, 4, 5], 2)).toEqual([4, 5]);
  });

  it("reads the grouping window from the URL, falling back to the API's default", () => {
    expect(windowParam("300")).toBe(300);
    expect(windowParam(null)).toBe(DEFAULT_INCIDENT_WINDOW_SECS);
    expect(windowParam("42")).toBe(DEFAULT_INCIDENT_WINDOW_SECS);
  });
});
