import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.js";
import type { NewSourceIpDetector } from "../../../src/detectors/auth/new-source-ip.js";
import { lineAt } from "../records.js";
import { newSourceIp } from "./auth-detectors.js";

const HOUR = 3_600_000;
const KEY = "SHA256:3vYq0x0kR1cO5mI6yX8mN2w9bq4lQm1cSx0Jb2pWq8E";

const make = () => newSourceIp();

const withKey = (user: string, ip: string) =>
  `Mar  1 03:14:07 bastion sshd[22]: Accepted publickey for ${user} from ${ip} port 4000 ssh2: ED25519 ${KEY}`;
const byPassword = (user: string, ip: string) =>
  `Mar  1 03:14:07 bastion sshd[22]: Accepted password for ${user} from ${ip} port 4000 ssh2`;

/** `n` logins `gapMs` apart, judged one by one; the findings they raised. */
function logins(
  d: NewSourceIpDetector,
  clock: FakeClock,
  n: number,
  gapMs: number,
  line: (i: number) => string,
) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(...d.observe([lineAt(clock, line(i))]));
    clock.advance(gapMs);
  }
  return out;
}

describe("new_source_ip: a first login from outside", () => {
  it("reports someone only ever seen inside who logs in from the internet with their own key", () => {
    const clock = new FakeClock("2026-03-02T08:00:00Z");
    const d = make();
    // Two days of office and VPN logins with the key.
    const inside = logins(d, clock, 8, 6 * HOUR, (i) =>
      withKey("ines", i % 2 ? "10.20.11.40" : "10.250.0.7"),
    );
    expect(inside).toEqual([]);
    const out = d.observe([lineAt(clock, withKey("ines", "185.220.101.4"))]);
    expect(out).toHaveLength(1);
    expect(out[0]!.features).toMatchObject({ user: "ines", known_key: true, first_outside: true });
    expect(out[0]!.explanation.summary).toMatch(/with their usual key .*their first login from outside/);
    expect(out[0]!.severity).toBe("medium");
  });

  it("trusts the key of someone who has logged in from the internet before", () => {
    const clock = new FakeClock("2026-03-02T08:00:00Z");
    const d = make();
    // Their very first login was from home (a public address), then office logins with the key.
    expect(d.observe([lineAt(clock, withKey("omar", "90.112.148.20"))])).toEqual([]);
    clock.advance(6 * HOUR);
    expect(logins(d, clock, 8, 6 * HOUR, () => withKey("omar", "10.20.11.41"))).toEqual([]);
    expect(d.observe([lineAt(clock, withKey("omar", "212.58.84.77"))])).toEqual([]);
  });

  it("trusts an inside-only user's key in a block a colleague's logins vouch for, not in one nobody does", () => {
    const clock = new FakeClock("2026-03-02T08:00:00Z");
    const d = make();
    // A colleague's two sessions from a hotel block, hours apart: they vouch for it.
    expect(logins(d, clock, 2, 5 * HOUR, () => byPassword("lena", "212.58.3.9"))).toEqual([]);
    expect(logins(d, clock, 8, 6 * HOUR, () => withKey("ines", "10.20.11.40"))).toEqual([]);
    expect(d.observe([lineAt(clock, withKey("ines", "212.58.84.77"))])).toEqual([]);
    clock.advance(HOUR);
    expect(logins(d, clock, 8, 6 * HOUR, () => withKey("ravi", "10.20.11.42"))).toEqual([]);
    expect(d.observe([lineAt(clock, withKey("ravi", "91.92.232.138"))])).toHaveLength(1);
  });

  it("reports a short inside-only history's key used from outside; by password, one earlier day inside is too short", () => {
    const clock = new FakeClock("2026-03-02T08:00:00Z");
    const d = make();
    // Two office logins with the key, two days before: short of the five logins the warm-up wants.
    expect(logins(d, clock, 2, 2 * HOUR, () => withKey("tara", "10.80.14.247"))).toEqual([]);
    clock.advance(46 * HOUR);
    const out = d.observe([lineAt(clock, withKey("tara", "104.244.161.176"))]);
    expect(out).toHaveLength(1);
    expect(out[0]!.features).toMatchObject({ user: "tara", user_warmed_up: false, known_key: true });
    // By password inside, then a key never seen for them, from outside: reported too.
    expect(logins(d, clock, 3, 22 * HOUR, () => byPassword("tara2", "10.80.100.241"))).toEqual([]);
    const unknownKey = d.observe([lineAt(clock, withKey("tara2", "193.42.4.9"))]);
    expect(unknownKey).toHaveLength(1);
    expect(unknownKey[0]!.features).toMatchObject({ user_warmed_up: false, known_key: false });
    expect(unknownKey[0]!.explanation.summary).toMatch(
      /not seen for them before, their first login from outside/,
    );
    // Office logins by password on one day and the next, then one from outside by password that second
    // day: one earlier day inside is not a habit yet (hybrid staff's first day at home), so not judged…
    clock.set("2026-03-20T08:00:00Z");
    expect(logins(d, clock, 2, 2 * HOUR, () => byPassword("quinn", "10.30.14.140"))).toEqual([]);
    clock.set("2026-03-21T10:30:00Z");
    expect(d.observe([lineAt(clock, byPassword("quinn", "10.30.14.141"))])).toEqual([]);
    clock.advance(HOUR);
    expect(d.observe([lineAt(clock, byPassword("quinn", "91.92.197.224"))])).toEqual([]);
    // …and not a known place for the organisation either: the next inside-only user's key there is reported.
    expect(logins(d, clock, 8, 6 * HOUR, () => withKey("rosa", "10.30.100.71"))).toEqual([]);
    expect(d.observe([lineAt(clock, withKey("rosa", "91.92.229.251"))])).toHaveLength(1);
  });

  it("reports a short history's first login from outside by password after two earlier days only inside", () => {
    const clock = new FakeClock("2026-03-02T15:00:00Z");
    const d = make();
    // One office login on each of two days, one more on the third: three logins, short of the warm-up.
    expect(d.observe([lineAt(clock, byPassword("farah", "10.100.14.22"))])).toEqual([]);
    clock.set("2026-03-03T14:00:00Z");
    expect(d.observe([lineAt(clock, byPassword("farah", "10.100.14.22"))])).toEqual([]);
    clock.set("2026-03-04T13:00:00Z");
    expect(d.observe([lineAt(clock, byPassword("farah", "10.100.100.210"))])).toEqual([]);
    // Minutes later, their password from a provider nobody in the organisation logs in from.
    clock.advance(2 * 60_000);
    const out = d.observe([lineAt(clock, byPassword("farah", "31.184.140.13"))]);
    expect(out).toHaveLength(1);
    expect(out[0]!.features).toMatchObject({
      user: "farah",
      user_warmed_up: false,
      first_outside: true,
      earlier_inside_days: 2,
      method: "password",
    });
    expect(out[0]!.explanation.summary).toMatch(/by password, their first login from outside/);
  });

  it("leaves that password login alone where a colleague vouches for the block, and after a first day outside", () => {
    const clock = new FakeClock("2026-03-02T08:00:00Z");
    const d = make();
    // A colleague's two sessions from a home ISP's block, hours apart: they vouch for it.
    expect(logins(d, clock, 2, 5 * HOUR, () => byPassword("lena", "82.64.3.9"))).toEqual([]);
    clock.set("2026-03-02T15:00:00Z");
    for (const day of ["02", "03", "04"]) {
      clock.set(`2026-03-${day}T15:00:00Z`);
      expect(d.observe([lineAt(clock, byPassword("ines", "10.20.11.40"))])).toEqual([]);
    }
    clock.advance(HOUR);
    expect(d.observe([lineAt(clock, byPassword("ines", "82.64.120.7"))])).toEqual([]);
    // Someone whose very first login was from outside has roamed: their next new network waits for warm-up.
    clock.set("2026-03-02T09:00:00Z");
    expect(d.observe([lineAt(clock, byPassword("omar", "90.112.148.20"))])).toEqual([]);
    for (const day of ["03", "04", "05"]) {
      clock.set(`2026-03-${day}T09:00:00Z`);
      expect(d.observe([lineAt(clock, byPassword("omar", "10.20.11.41"))])).toEqual([]);
    }
    expect(d.observe([lineAt(clock, byPassword("omar", "185.220.101.9"))])).toEqual([]);
  });

  it("keeps the days seen inside across export and import", () => {
    const clock = new FakeClock("2026-03-02T15:00:00Z");
    const d = make();
    for (const day of ["02", "03"]) {
      clock.set(`2026-03-${day}T15:00:00Z`);
      d.observe([lineAt(clock, byPassword("farah", "10.100.14.22"))]);
    }
    const copy = make();
    copy.importState(JSON.parse(JSON.stringify(d.exportState())));
    clock.set("2026-03-04T10:00:00Z");
    expect(copy.observe([lineAt(clock, byPassword("farah", "31.184.140.13"))])).toHaveLength(1);
  });

  it("does not judge a user still warming up, even on a first login from outside (home, a new ISP)", () => {
    const clock = new FakeClock("2026-03-02T08:00:00Z");
    const d = make();
    // Three logins over four hours: far from the five over a day the warm-up wants.
    expect(logins(d, clock, 3, 2 * HOUR, () => byPassword("nina", "10.20.12.9"))).toEqual([]);
    expect(d.observe([lineAt(clock, byPassword("nina", "104.244.197.224"))])).toEqual([]);
  });
});
