import { describe, expect, it } from "vitest";
import { ATTACK_KINDS, type Attack } from "../../bench/detect/org/attacks.js";
import { generateOrgWeek } from "../../bench/detect/org/generate.js";
import { type Finding, matchesAttack, scoreWeek } from "../../bench/detect/org/score.js";
import { JUDGING, shapeNamed, TUNING } from "../../bench/detect/org/shapes.js";

const WEEK = Date.UTC(2026, 10, 2); // a Monday

describe("organisation week generator", () => {
  it("is deterministic per seed and differs between seeds", () => {
    const shape = { ...shapeNamed("two-site"), users: 80 };
    const a = generateOrgWeek(shape, 42, WEEK);
    const b = generateOrgWeek(shape, 42, WEEK);
    const c = generateOrgWeek(shape, 43, WEEK);
    expect(b.lines).toEqual(a.lines);
    expect(b.attacks).toEqual(a.attacks);
    expect(c.lines).not.toEqual(a.lines);
    expect(a.lines.length).toBeGreaterThan(10_000);
  });

  it.each([...TUNING, ...JUDGING])(
    "injects every attack kind at least 3 times, a starter's off-hours login twice ($shape, seed $seed)",
    ({ shape, seed }) => {
      const week = generateOrgWeek(shapeNamed(shape), seed, WEEK);
      // A week has only a few day-working starters (the shapes hire four and six, one an administrator).
      const least = (kind: string) => (kind === "off_hours_new_user" ? 2 : 3);
      for (const kind of ATTACK_KINDS)
        expect(week.attacks.filter((x) => x.kind === kind).length, kind).toBeGreaterThanOrEqual(least(kind));
      // The ground truth is in the lines: each brute force's address fails at least 40 times.
      for (const attack of week.attacks.filter((x) => x.kind === "brute_force")) {
        const failures = week.lines.filter((l) =>
          l.includes(`Failed password for ${attack.entities.user} from ${attack.entities.ip} `),
        );
        expect(failures.length).toBeGreaterThanOrEqual(40);
      }
    },
  );

  it("judges on a different shape and different seeds than it tunes on", () => {
    const tuning = new Set(TUNING.map((r) => r.shape));
    expect(JUDGING.some((r) => tuning.has(r.shape))).toBe(false);
    expect(JUDGING.some((r) => TUNING.some((t) => t.seed === r.seed))).toBe(false);
  });
});

describe("entity and time scoring", () => {
  const attack: Attack = {
    kind: "brute_force",
    entities: { user: "alice.martin", ip: "185.220.4.9", host: "bastion-par-1" },
    start: Date.parse("2026-11-04T10:00:00Z"),
    end: Date.parse("2026-11-04T10:20:00Z"),
    note: "test",
  };
  const finding = (key: string, at: string, features: Finding["features"] = {}): Finding => ({
    detector: "some_detector",
    timestamp: at,
    key,
    features,
    explanation: { summary: `finding about ${key}`, observed: {}, expected: {} },
  });

  it("matches a finding naming one of the attack's entities within its window plus slack", () => {
    expect(matchesAttack(finding("ip:185.220.4.9", "2026-11-04T10:05:00Z"), attack)).toBe(true);
    expect(matchesAttack(finding("user:alice.martin", "2026-11-04T10:30:00Z"), attack)).toBe(true);
    // Named in the features rather than the key, by another detector: still a hit.
    expect(
      matchesAttack(finding("profiles", "2026-11-04T10:10:00Z", { source_ip: "185.220.4.9" }), attack),
    ).toBe(true);
  });

  it("rejects a finding with the wrong entity or outside the window", () => {
    expect(matchesAttack(finding("ip:185.220.4.10", "2026-11-04T10:05:00Z"), attack)).toBe(false);
    expect(
      matchesAttack(finding("user:bob.smith", "2026-11-04T10:05:00Z", { host: "bastion-par-1x" }), attack),
    ).toBe(false);
    expect(matchesAttack(finding("ip:185.220.4.9", "2026-11-04T11:00:00Z"), attack)).toBe(false);
    expect(matchesAttack(finding("ip:185.220.4.9", "2026-11-04T09:50:00Z"), attack)).toBe(false);
  });

  it("takes the host as what a finding is about only when it names no user or address", () => {
    // A volume spike keyed on a service, most of its records from the attacked host: about that host.
    const spike = finding("svc:sshd", "2026-11-04T10:05:00Z", { host: "bastion-par-1" });
    expect(matchesAttack(spike, attack)).toBe(true);
    // A login finding about another user on the same bastion: the host is only where the line was written.
    expect(
      matchesAttack(finding("user:bob.smith", "2026-11-04T10:05:00Z", { host: "bastion-par-1" }), attack),
    ).toBe(false);
    expect(
      matchesAttack(
        finding("svc:sshd", "2026-11-04T10:05:00Z", { host: "bastion-par-1", source_ip: "203.0.113.7" }),
        attack,
      ),
    ).toBe(false);
  });

  it("counts recall per kind and unmatched findings per detector", () => {
    const findings = [
      finding("ip:185.220.4.9", "2026-11-04T10:05:00Z"),
      finding("user:bob.smith", "2026-11-04T10:05:00Z", { user: "bob.smith" }),
      finding("user:bob.smith", "2026-11-04T12:05:00Z", { user: "bob.smith" }),
    ];
    const score = scoreWeek([attack], findings, 7, new Map([["bob.smith", "day worker"]]));
    expect(score.recall.brute_force).toEqual({ injected: 1, caught: 1 });
    expect(score.recall.password_spraying).toEqual({ injected: 0, caught: 0 });
    expect(score.unmatched).toBe(2);
    expect(score.unmatchedByDetector.get("some_detector")).toBe(2);
    // bob.smith at 10:05 is inside the attack's window without naming its entities; 12:05 is not.
    expect(score.unmatchedDuringAttack.get("some_detector")).toBe(1);
    expect(score.groups[0]).toMatchObject({
      about: "day worker",
      count: 2,
      reason: "finding about user:<entity>",
    });
  });
});
