import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../src/core/clock.js";
import type { Detector } from "../../../src/core/detector.js";
import { BruteForceDetector } from "../../../src/detectors/auth/brute-force.js";
import type { NewSourceIpDetector } from "../../../src/detectors/auth/new-source-ip.js";
import { PasswordSprayingDetector } from "../../../src/detectors/auth/password-spraying.js";
import { PrivilegeEscalationDetector } from "../../../src/detectors/auth/privilege-escalation.js";
import type { UnusualLoginHourDetector } from "../../../src/detectors/auth/unusual-login-hour.js";
import { lineAt, series } from "../records.js";
import { newSourceIp, successAfterFailures, unusualLoginHour } from "./auth-detectors.js";

const failed = (user: string, ip: string) =>
  `Mar  1 03:14:07 bastion sshd[22]: Failed password for ${user} from ${ip} port 4000 ssh2`;
const accepted = (user: string, ip: string) =>
  `Mar  1 03:14:07 bastion sshd[22]: Accepted password for ${user} from ${ip} port 4000 ssh2`;
const json = (user: string, ip: string, action: string) =>
  JSON.stringify({
    user,
    source_ip: ip,
    event_type: "login",
    action,
    message: `${action} login for ${user}`,
  });

function roundTrip<T extends Detector>(d: T, make: () => T): T {
  const copy = make();
  copy.importState(JSON.parse(JSON.stringify(d.exportState())));
  return copy;
}

describe("brute_force", () => {
  const make = () => new BruteForceDetector({ windowSecs: 300, threshold: 10, maxKeys: 100 });

  it("fires on 10 failures for one user in the window, with the explanation and system 002 fields", () => {
    const clock = new FakeClock();
    const d = make();
    const out = d.observe(series(clock, 10, 5_000, () => failed("root", "198.51.100.23")));
    // Both keys cross at the tenth failure: the user and the source.
    expect(out.map((a) => a.key).sort()).toEqual(["ip:198.51.100.23", "user:root"]);
    const byUser = out.find((a) => a.key === "user:root")!;
    expect(byUser).toMatchObject({ detector: "brute_force", type: "brute_force", severity: "medium" });
    expect(byUser.score).toBeCloseTo(0.6);
    expect(byUser.explanation.observed).toMatchObject({ failures: 10 });
    expect(byUser.explanation.expected).toMatchObject({ max_failures: 9, window_secs: 300 });
    expect(byUser.description).toBe(byUser.explanation.summary);
    expect(byUser.evidence).toHaveLength(10);
  });

  it("does not fire for failures spread beyond the window, successes, or other programs' text", () => {
    const clock = new FakeClock();
    const d = make();
    expect(d.observe(series(clock, 30, 40_000, () => failed("alice", "10.0.0.5")))).toEqual([]);
    expect(d.observe(series(clock, 30, 1_000, () => accepted("alice", "10.0.0.5")))).toEqual([]);
    expect(
      d.observe(series(clock, 30, 1_000, () => "2026-03-01 api ERROR Failed password reset for 7")),
    ).toEqual([]);
  });

  it("counts a repeated line as its repeats, reports again only when the burst doubles", () => {
    const clock = new FakeClock();
    const d = make();
    const line =
      "Mar  1 03:14:07 bastion sshd[22]: message repeated 9 times: [ Failed password for root from 203.0.113.1 port 1 ssh2]";
    expect(d.observe([lineAt(clock, line)]).filter((a) => a.key === "user:root")).toEqual([]);
    clock.advance(1000);
    expect(
      d.observe([lineAt(clock, failed("root", "203.0.113.2"))]).filter((a) => a.key === "user:root"),
    ).toHaveLength(1);
    const more = series(clock, 9, 1000, () => failed("root", "203.0.113.2"));
    expect(d.observe(more).filter((a) => a.key === "user:root")).toHaveLength(0);
    const doubled = d
      .observe([lineAt(clock, failed("root", "203.0.113.2"))])
      .filter((a) => a.key === "user:root");
    expect(doubled).toHaveLength(1);
    expect(doubled[0]!.score).toBeGreaterThan(0.6);
  });

  it("reads system 002 records and restores its windows", () => {
    const clock = new FakeClock();
    const d = make();
    d.observe(series(clock, 9, 1000, () => json("bob", "10.9.9.9", "failed")));
    const copy = roundTrip(d, make);
    expect(
      copy
        .observe([lineAt(clock, json("bob", "10.9.9.9", "failed"))])
        .map((a) => a.key)
        .sort(),
    ).toEqual(["ip:10.9.9.9", "user:bob"]);
  });

  it("caps the keys it tracks", () => {
    const clock = new FakeClock();
    const d = new BruteForceDetector({ windowSecs: 300, threshold: 10, maxKeys: 10 });
    d.observe(series(clock, 100, 10, (i) => failed(`u${i}`, `203.0.113.${i}`)));
    const state = d.exportState() as { keys: unknown[]; version: number };
    expect(state.version).toBe(1);
    expect(state.keys).toHaveLength(10);
  });
});

describe("password_spraying", () => {
  const make = () => new PasswordSprayingDetector({ windowSecs: 3600, minUsers: 10, maxKeys: 100 });

  it("fires when one source fails against 10 different users", () => {
    const clock = new FakeClock();
    const out = make().observe(series(clock, 10, 60_000, (i) => failed(`user${i}`, "192.0.2.50")));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ detector: "password_spraying", key: "ip:192.0.2.50", severity: "high" });
    expect(out[0]!.features).toMatchObject({ distinct_users: 10, source_ip: "192.0.2.50" });
    expect(out[0]!.explanation.contributions).toHaveLength(10);
  });

  it("does not fire for many attempts on few users, or many users from many sources", () => {
    const clock = new FakeClock();
    const d = make();
    expect(d.observe(series(clock, 50, 1000, (i) => failed(`user${i % 3}`, "192.0.2.51")))).toEqual([]);
    expect(d.observe(series(clock, 50, 1000, (i) => failed(`user${i}`, `10.0.${i}.1`)))).toEqual([]);
    // Ten users over more than the window.
    expect(d.observe(series(clock, 10, 400_000, (i) => failed(`v${i}`, "192.0.2.52")))).toEqual([]);
  });
});

describe("success_after_failures", () => {
  const make = () => successAfterFailures();

  it("fires once on a success after 5 failures for the user", () => {
    const clock = new FakeClock();
    const d = make();
    d.observe(series(clock, 6, 10_000, () => failed("carol", "203.0.113.7")));
    const out = d.observe([lineAt(clock, accepted("carol", "203.0.113.7"))]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ detector: "success_after_failures", key: "user:carol", severity: "high" });
    expect(out[0]!.features).toMatchObject({ failures_before: 6, same_source: true });
    clock.advance(1000);
    expect(d.observe([lineAt(clock, accepted("carol", "203.0.113.7"))])).toEqual([]);
  });

  it("does not fire after a few typos or after old failures", () => {
    const clock = new FakeClock();
    const d = make();
    d.observe(series(clock, 2, 1000, () => failed("dan", "10.0.0.9")));
    expect(d.observe([lineAt(clock, accepted("dan", "10.0.0.9"))])).toEqual([]);
    d.observe(series(clock, 8, 1000, () => failed("dan", "10.0.0.9")));
    clock.advance(3_600_000);
    expect(d.observe([lineAt(clock, accepted("dan", "10.0.0.9"))])).toEqual([]);
  });
});

describe("new_source_ip", () => {
  const make = () => newSourceIp();
  const withKey = (user: string, ip: string, fingerprint: string) =>
    `Mar  1 03:14:07 bastion sshd[22]: Accepted publickey for ${user} from ${ip} port 4000 ssh2: ED25519 ${fingerprint}`;

  it("learns a new network reached with the user's own SSH key; reports one reached by password or another key", () => {
    const clock = new FakeClock("2026-03-01T08:00:00Z");
    const d = make();
    const laptop = "SHA256:3vYq0x0kR1cO5mI6yX8mN2w9bq4lQm1cSx0Jb2pWq8E";
    d.observe(series(clock, 10, 6 * 3_600_000, (i) => withKey("ines", `198.51.100.${i + 2}`, laptop)));
    // A hotel, from her laptop: the device is known, only the place is new.
    expect(d.observe([lineAt(clock, withKey("ines", "203.0.113.66", laptop))])).toEqual([]);
    // Another new network by password, and one with a key never seen for her: both reported.
    const byPassword = d.observe([lineAt(clock, accepted("ines", "192.0.2.10"))]);
    expect(byPassword).toHaveLength(1);
    expect(byPassword[0]!.explanation.summary).toContain("by password");
    const stranger = "SHA256:Zk1uX9m4bQ0c2a7Lr5yT8vN3pW6eJ1hS0dG4fK7qM2A";
    const byOtherKey = d.observe([lineAt(clock, withKey("ines", "100.64.9.1", stranger))]);
    expect(byOtherKey).toHaveLength(1);
    expect(byOtherKey[0]!.features).toMatchObject({ key_fingerprint: stranger, known_keys: 1 });
    expect(byOtherKey[0]!.explanation.summary).toContain(`with a key (${stranger}) not seen for them before`);
    // That key first logged in with a finding: it does not vouch for the next new network (an
    // intruder's key added after getting in).
    expect(d.observe([lineAt(clock, withKey("ines", "45.33.1.1", stranger))])).toHaveLength(1);
    // Keys survive a save and restore; trust can be turned off.
    const copy = roundTrip(d, make);
    expect(copy.observe([lineAt(clock, withKey("ines", "81.2.69.1", laptop))])).toEqual([]);
    const strict = newSourceIp({ trustKnownKeys: false });
    strict.observe(series(clock, 10, 6 * 3_600_000, (i) => withKey("ines", `198.51.100.${i + 2}`, laptop)));
    expect(strict.observe([lineAt(clock, withKey("ines", "203.0.113.66", laptop))])).toHaveLength(1);
  });

  it("learns during warm-up (and says so), then reports a new network once; roaming in a /24 is not new", () => {
    const clock = new FakeClock("2026-03-01T08:00:00Z");
    const d = make();
    expect(d.status().phase).toBe("learning");
    // Two days of logins from home and office, DHCP moving the last octet.
    const warm = series(clock, 10, 6 * 3_600_000, (i) =>
      accepted("erin", i % 2 ? `10.20.4.${i}` : `198.51.100.${i}`),
    );
    expect(d.observe(warm)).toEqual([]);
    expect(d.status().phase).toBe("active");
    expect(d.observe([lineAt(clock, accepted("erin", "10.20.4.200"))])).toEqual([]);
    const out = d.observe([lineAt(clock, accepted("erin", "203.0.113.66"))]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ detector: "new_source_ip", key: "user:erin" });
    expect(out[0]!.features).toMatchObject({ network: "203.0.113.0/24", known_networks: 2 });
    expect(out[0]!.explanation.expected).toMatchObject({
      known_networks: expect.arrayContaining(["10.20.4.0/24"]),
    });
    clock.advance(60_000);
    expect(d.observe([lineAt(clock, accepted("erin", "203.0.113.67"))])).toEqual([]);
  });

  it("takes a new lease in a block the user already logs in from (a carrier's pool) as known", () => {
    const clock = new FakeClock("2026-03-01T08:00:00Z");
    const d = make();
    // A phone on one carrier: each session gets another /24 of the carrier's /16.
    d.observe(series(clock, 10, 6 * 3_600_000, (i) => accepted("gail", `92.40.${20 + i}.${i + 1}`)));
    expect(d.observe([lineAt(clock, accepted("gail", "92.40.134.7"))])).toEqual([]);
    // Another provider is a new place.
    const out = d.observe([lineAt(clock, accepted("gail", "49.36.201.9"))]);
    expect(out).toHaveLength(1);
    // State saved before blocks were kept: the blocks come from the networks it knew.
    const saved = d.exportState() as { users: { blocks?: unknown }[] };
    for (const u of saved.users) delete u.blocks;
    const copy = make();
    copy.importState(JSON.parse(JSON.stringify(saved)));
    expect(copy.observe([lineAt(clock, accepted("gail", "92.40.77.7"))])).toEqual([]);
  });

  it("stays quiet for a user still warming up, and for failed logins", () => {
    const clock = new FakeClock();
    const d = make();
    d.observe(series(clock, 3, 1000, () => accepted("fred", "10.1.1.1")));
    expect(d.observe([lineAt(clock, accepted("fred", "203.0.113.1"))])).toEqual([]);
    clock.advance(2 * 86_400_000);
    d.observe(series(clock, 5, 1000, () => accepted("fred", "10.1.1.1")));
    expect(d.observe([lineAt(clock, failed("fred", "192.0.2.1"))])).toEqual([]);
    const copy = roundTrip(d, make);
    expect(copy.observe([lineAt(clock, accepted("fred", "192.0.2.1"))])).toHaveLength(1);
  });

  /** Two days of office logins for `users` (10.20.x), so the organisation and each of them are warm. */
  function warmOffice(clock: FakeClock, d: NewSourceIpDetector, users: readonly string[]): void {
    for (let step = 0; step < 8; step++) {
      for (const [i, u] of users.entries()) d.observe([lineAt(clock, accepted(u, `10.20.${i}.${step + 2}`))]);
      clock.advance(6 * 3_600_000);
    }
  }
  const staff = Array.from({ length: 12 }, (_, i) => `user${i}`);

  it("takes a provider colleagues log in from without findings as known to the organisation", () => {
    const clock = new FakeClock("2026-03-01T08:00:00Z");
    const d = make();
    // Three colleagues still warming up come in from one carrier's pool: nothing to report, so they vouch.
    for (const [i, u] of ["newa", "newb", "newc"].entries())
      d.observe([lineAt(clock, accepted(u, `92.40.${i}.9`))]);
    warmOffice(clock, d, staff);
    expect(d.observe([lineAt(clock, accepted("user0", "92.40.200.7"))])).toEqual([]);
    // Another provider is still new for a warm user.
    const out = d.observe([lineAt(clock, accepted("user1", "49.36.201.9"))]);
    expect(out).toHaveLength(1);
    expect(out[0]!.explanation.summary).toContain("not seen in 8 earlier logins");
  });

  it("does not let an attacker's block vouch for itself by getting into several accounts", () => {
    const clock = new FakeClock("2026-03-01T08:00:00Z");
    const d = make();
    warmOffice(clock, d, staff);
    // One login each, every one reported: reported logins never vouch.
    for (const u of staff.slice(0, 5)) {
      const out = d.observe([lineAt(clock, accepted(u, `5.188.${staff.indexOf(u)}.66`))]);
      expect(out).toHaveLength(1);
      clock.advance(60_000);
    }
    expect(d.observe([lineAt(clock, accepted("user7", "5.188.99.66"))])).toHaveLength(1);
  });

  it("does not judge a user with little history, and says when a warm user's block is nobody's", () => {
    const clock = new FakeClock("2026-03-01T08:00:00Z");
    const d = make();
    warmOffice(clock, d, staff);
    // quinn has three logins, all from the office: still learning, whoever else uses 104.244/16.
    for (let i = 0; i < 3; i++) d.observe([lineAt(clock, accepted("quinn", "10.30.14.5"))]);
    expect(d.observe([lineAt(clock, accepted("quinn", "104.244.197.224"))])).toEqual([]);
    const out = d.observe([lineAt(clock, accepted("user2", "185.220.1.1"))]);
    expect(out).toHaveLength(1);
    expect(out[0]!.explanation.summary).toContain("in a block (185.220.0.0/16) nobody in the organisation");
    // The peer baseline survives a restart: three colleagues vouched for 92.40/16 while warming up.
    for (const [i, u] of ["newa", "newb", "newc"].entries())
      d.observe([lineAt(clock, accepted(u, `92.40.${i}.9`))]);
    const copy = roundTrip(d, make);
    expect(copy.observe([lineAt(clock, accepted("user3", "92.40.77.7"))])).toEqual([]);
  });
});

describe("unusual_login_hour", () => {
  const make = () => unusualLoginHour();

  function officeHours(clock: FakeClock, d: UnusualLoginHourDetector, days: number): void {
    for (let day = 0; day < days; day++) {
      for (const hour of [8, 9, 13, 17]) {
        clock.set(Date.parse("2026-03-01T00:00:00Z") + day * 86_400_000 + hour * 3_600_000);
        d.observe([lineAt(clock, accepted("gina", "10.0.0.2"))]);
      }
    }
  }

  it("fires for a 03:00 login by an office-hours user, once per cooldown", () => {
    const clock = new FakeClock();
    const d = make();
    expect(d.status().phase).toBe("learning");
    officeHours(clock, d, 10);
    expect(d.status().phase).toBe("active");
    clock.set("2026-03-11T03:10:00Z");
    const out = d.observe([lineAt(clock, accepted("gina", "10.0.0.2"))]);
    expect(out).toHaveLength(1);
    expect(out[0]!.features).toMatchObject({ user: "gina", hour_utc: 3, quiet_hours: 14, days_seen: 10 });
    expect(out[0]!.explanation.summary).toContain(
      "inside their quiet time: no login between 18:00 and 08:00 UTC",
    );
    expect(out[0]!.explanation.expected).toMatchObject({
      usual_hours_utc: expect.arrayContaining([8, 9, 13, 17]),
    });
    clock.advance(600_000);
    expect(d.observe([lineAt(clock, accepted("gina", "10.0.0.2"))])).toEqual([]);
  });

  it("does not fire at usual hours, at the edge of the quiet time, or before two days; retrains into a model", () => {
    const clock = new FakeClock();
    const d = make();
    // Nine logins on one day: no night seen yet.
    for (const hour of [8, 9, 10, 11, 12, 13, 14, 15, 16]) {
      clock.set(Date.parse("2026-03-01T00:00:00Z") + hour * 3_600_000);
      d.observe([lineAt(clock, accepted("gina", "10.0.0.2"))]);
    }
    clock.set("2026-03-02T03:00:00Z");
    expect(d.observe([lineAt(clock, accepted("gina", "10.0.0.2"))])).toEqual([]);
    officeHours(clock, d, 10);
    // 19:00 is two hours past her last usual hour (17): still the evening edge of a 14-hour night.
    clock.set("2026-03-12T19:10:00Z");
    expect(d.observe([lineAt(clock, accepted("gina", "10.0.0.2"))])).toEqual([]);
    clock.set("2026-03-12T10:30:00Z");
    expect(d.observe([lineAt(clock, accepted("gina", "10.0.0.2"))])).toEqual([]);
    const model = d.retrain(clock.now());
    expect(model).toMatchObject({ kind: "unusual_login_hour", metrics: { users: 1, warm_users: 1 } });
    expect(model.trainingSize).toBeGreaterThan(30);
  });

  it("allows for the hours a user's few logins have not shown yet, less as their logins grow", () => {
    const clock = new FakeClock();
    const d = make();
    const login = (at: number) => {
      clock.set(at);
      return d.observe([lineAt(clock, accepted("hana", "10.0.0.3"))]);
    };
    const day0 = Date.parse("2026-03-01T00:00:00Z");
    // Five logins over two days between 09:00 and 16:00: a 16-hour quiet run from 17:00 to 08:00.
    for (const [day, hour] of [
      [0, 9],
      [0, 13],
      [0, 16],
      [1, 11],
      [1, 15],
    ] as const)
      login(day0 + day * 86_400_000 + hour * 3_600_000);
    // 20:00 is four hours past 16:00, a quarter of the run: five logins leave 4.8 h of doubt there.
    expect(login(day0 + 2 * 86_400_000 + 20 * 3_600_000 + 600_000)).toEqual([]);
    // Forty logins in the same hours leave under an hour of doubt: a later 20:00 login is her night.
    const d2 = make();
    for (let i = 0; i < 40; i++) {
      clock.set(day0 + Math.floor(i / 5) * 86_400_000 + [9, 11, 13, 15, 16][i % 5]! * 3_600_000);
      d2.observe([lineAt(clock, accepted("hana", "10.0.0.3"))]);
    }
    clock.set(day0 + 9 * 86_400_000 + 20 * 3_600_000 + 600_000);
    const out = d2.observe([lineAt(clock, accepted("hana", "10.0.0.3"))]);
    expect(out).toHaveLength(1);
    expect(out[0]!.features).toMatchObject({ hour_utc: 20, hours_from_usual: 4 });
  });

  it("never judges an account that logs in around the clock", () => {
    const clock = new FakeClock("2026-03-01T00:05:00Z");
    const d = make();
    const out = d.observe(series(clock, 24 * 4, 3_600_000, () => accepted("ansible", "10.0.0.9")));
    expect(out).toEqual([]);
    clock.set("2026-03-05T03:20:00Z");
    expect(d.observe([lineAt(clock, accepted("ansible", "10.0.0.9"))])).toEqual([]);
  });
});

describe("privilege_escalation", () => {
  const make = () =>
    new PrivilegeEscalationDetector({ warmupSecs: 86_400, minFailedAttempts: 3, maxKeys: 100 });
  const sudo = (user: string, cmd = "/bin/systemctl restart nginx") =>
    `Mar  1 10:12:01 web1 sudo:    ${user} : TTY=pts/0 ; PWD=/home/${user} ; USER=root ; COMMAND=${cmd}`;

  it("learns admins during warm-up, then reports a first-time escalation and failed ones", () => {
    const clock = new FakeClock();
    const d = make();
    expect(d.observe(series(clock, 24, 3_600_000, (i) => sudo(i % 2 ? "alice" : "bob")))).toEqual([]);
    expect(d.status().phase).toBe("learning");
    clock.advance(3_600_000);
    expect(d.observe([lineAt(clock, sudo("alice"))])).toEqual([]);
    expect(d.status().phase).toBe("active");
    const first = d.observe([lineAt(clock, sudo("mallory", "/bin/bash"))]);
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({ key: "user:mallory", severity: "high" });
    expect(first[0]!.features).toMatchObject({ target_user: "root", command: "/bin/bash", first_time: true });
    expect(d.observe([lineAt(clock, sudo("mallory", "/bin/bash"))])).toEqual([]);
    const denied = d.observe([
      lineAt(
        clock,
        "Mar  1 10:14:00 web1 sudo:   trent : user NOT in sudoers ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/sh",
      ),
    ]);
    expect(denied).toHaveLength(1);
    expect(denied[0]!.features).toMatchObject({ not_allowed: true });
  });

  it("takes a first sudo of a command three colleagues routinely run as a newcomer to the team", () => {
    const clock = new FakeClock();
    const d = make();
    const routine = "/usr/bin/docker ps";
    d.observe(series(clock, 24, 3_600_000, (i) => sudo(["alice", "bob", "carol"][i % 3]!, routine)));
    clock.advance(3_600_000);
    expect(d.observe([lineAt(clock, sudo("dave", routine))])).toEqual([]);
    // A command nobody else runs, and su without one, are still first times worth a look.
    expect(d.observe([lineAt(clock, sudo("erin", "/usr/bin/cat /etc/shadow"))])).toHaveLength(1);
    // Reported first times never vouch: three intruders' shells do not make the fourth routine.
    for (const u of ["m1", "m2", "m3"])
      expect(d.observe([lineAt(clock, sudo(u, "/bin/bash"))])).toHaveLength(1);
    expect(d.observe([lineAt(clock, sudo("m4", "/bin/bash"))])).toHaveLength(1);
    const copy = roundTrip(d, make);
    expect(copy.observe([lineAt(clock, sudo("frank", routine))])).toEqual([]);
  });

  it("ignores a single wrong sudo password and ssh login sessions", () => {
    const clock = new FakeClock();
    const d = make();
    expect(
      d.observe([
        lineAt(
          clock,
          "Mar  1 10:13:44 web1 sudo:   alice : 1 incorrect password attempt ; TTY=pts/1 ; PWD=/tmp ; USER=root ; COMMAND=/bin/ls",
        ),
        lineAt(
          clock,
          "Mar  1 08:01:55 bastion sshd[3001]: pam_unix(sshd:session): session opened for user alice(uid=1001) by (uid=0)",
        ),
      ]),
    ).toEqual([]);
  });
});
