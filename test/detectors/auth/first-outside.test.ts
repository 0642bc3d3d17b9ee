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

  it("reports a short inside-only history's key used from outside; a password login there stays unjudged", () => {
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
    // Three office logins by password over two days, then one from outside by password: not judged…
    expect(logins(d, clock, 3, 22 * HOUR, () => byPassword("quinn", "10.30.14.140"))).toEqual([]);
    expect(d.observe([lineAt(clock, byPassword("quinn", "91.92.197.224"))])).toEqual([]);
    // …and not a known place for the organisation either: the next inside-only user's key there is reported.
    expect(logins(d, clock, 8, 6 * HOUR, () => withKey("rosa", "10.30.100.71"))).toEqual([]);
    expect(d.observe([lineAt(clock, withKey("rosa", "91.92.229.251"))])).toHaveLength(1);
  });

  it("does not judge a user still warming up, even on a first login from outside (home, a new ISP)", () => {
    const clock = new FakeClock("2026-03-02T08:00:00Z");
    const d = make();
    // Three logins over four hours: far from the five over a day the warm-up wants.
    expect(logins(d, clock, 3, 2 * HOUR, () => byPassword("nina", "10.20.12.9"))).toEqual([]);
    expect(d.observe([lineAt(clock, byPassword("nina", "104.244.197.224"))])).toEqual([]);
  });
});
