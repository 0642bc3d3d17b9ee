import { describe, expect, it } from "vitest";
import type { Anomaly } from "../../src/core/anomaly.js";
import { findingEntities, groupIncidents } from "../../src/correlate/incidents.js";

function finding(
  detector: string,
  at: string,
  key: string,
  features: Anomaly["features"] = {},
  score = 0.7,
): Anomaly {
  return {
    detector,
    type: detector,
    timestamp: at,
    service: "sshd",
    key,
    score,
    severity: "medium",
    description: `${detector} ${key}`,
    features,
    explanation: { summary: `${detector} ${key}`, observed: {}, expected: {} },
    evidence: [1],
  };
}

describe("groupIncidents", () => {
  it("gives an incident of one brute force the brute force's severity: its user: and ip: views count once", () => {
    const views = [
      finding(
        "brute_force",
        "2026-03-01T10:00:00Z",
        "user:root",
        { user: "root", source_ip: "5.188.1.2" },
        0.88,
      ),
      finding("brute_force", "2026-03-01T10:00:05Z", "ip:5.188.1.2", { source_ip: "5.188.1.2" }, 0.86),
    ];
    const [incident, ...more] = groupIncidents(views, { windowSecs: 1800 });
    expect(more).toEqual([]);
    expect(incident!.findings).toHaveLength(2);
    expect(incident!.score).toBe(0.88);
    expect(incident!.severity).toBe("high");
    // Independent evidence does add up: a success after those failures makes it critical.
    const [withSuccess] = groupIncidents(
      [
        ...views,
        finding("success_after_failures", "2026-03-01T10:01:00Z", "user:root", { user: "root" }, 0.7),
      ],
      { windowSecs: 1800 },
    );
    expect(withSuccess!.score).toBeCloseTo(1 - 0.12 * 0.3, 4);
    expect(withSuccess!.severity).toBe("critical");
  });

  it("joins an address's failures, the account it got into and that account's sudo into one incident", () => {
    const findings = [
      finding("brute_force", "2026-03-01T10:00:00Z", "user:bob", { user: "bob", source_ip: "5.188.1.2" }),
      finding("volume", "2026-03-01T10:04:59Z", "svc:sshd", { source_ip: "5.188.1.2" }, 0.6),
      finding("success_after_failures", "2026-03-01T10:06:00Z", "user:bob", {
        user: "bob",
        source_ip: "5.188.1.2",
      }),
      finding("privilege_escalation", "2026-03-01T10:20:00Z", "user:bob", { user: "bob" }),
      // Another account, and the same one much later: incidents of their own.
      finding("new_source_ip", "2026-03-01T10:05:00Z", "user:carol", {
        user: "carol",
        source_ip: "92.40.1.1",
      }),
      finding("privilege_escalation", "2026-03-01T14:00:00Z", "user:bob", { user: "bob" }),
    ];
    const incidents = groupIncidents(findings, { windowSecs: 1800 });
    expect(incidents.map((i) => i.findings)).toEqual([[0, 1, 2, 3], [4], [5]]);
    const [first] = incidents;
    expect(first!.detectors).toEqual([
      "brute_force",
      "volume",
      "success_after_failures",
      "privilege_escalation",
    ]);
    expect(first!.entities).toEqual(["user:bob", "ip:5.188.1.2"]);
    // Four signals of 0.6–0.7 about one account add up to more than any of them.
    expect(first!.score).toBeGreaterThan(0.98);
    expect(first!.severity).toBe("critical");
    expect(first!.summary).toContain("4 findings");
  });

  it("names a finding's entities: its key, user and address; else its host; else its key", () => {
    expect(findingEntities(finding("wifi", "2026-03-01T10:00:00Z", "device:ap-2"))).toEqual(["host:ap-2"]);
    expect(
      findingEntities(finding("new_template", "2026-03-01T10:00:00Z", "hostapd:abc", { host: "ap-2" })),
    ).toEqual(["host:ap-2"]);
    expect(findingEntities(finding("volume", "2026-03-01T10:00:00Z", "svc:cron"))).toEqual(["svc:cron"]);
  });
});
